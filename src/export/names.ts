// Names the container targets accept: DNS-1123 labels (lower case letters, digits and '-'), and
// the image they run.
import type { Findings } from './findings.js';

/** `name` as a DNS-1123 label: lower case, other characters as '-', at most 63 characters. */
export function dnsLabel(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label === '' ? 'service' : label;
}

/** The placeholder image of a service when no --image was given: it cannot be pulled. */
export const PLACEHOLDER_IMAGE = 'image-required.invalid/set-with--image:latest';

/** The image every `unit` (service, container) runs: --image, else the placeholder, which is a finding. */
export function imageFor(image: string | undefined, unit: string, findings: Findings): string {
  if (image !== undefined) return image;
  findings.add(
    null,
    '--image',
    'not mapped',
    `no image given: every ${unit} uses the placeholder ${PLACEHOLDER_IMAGE}, which cannot be pulled; pass --image NAME`,
  );
  return PLACEHOLDER_IMAGE;
}
