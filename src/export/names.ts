// Names the container targets accept: DNS-1123 labels (lower case letters, digits and '-').

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
