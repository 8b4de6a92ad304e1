/**
 * Text that ends up in a mail header (a sender, a subject built from a customer's or the provider's name): a CR or
 * LF there would add headers of the writer's choosing, and other controls have no business in one.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const HEADER_TEXT_PROBLEM = 'contains a line break or another control character, which could add mail headers';

/** Why `text` cannot go in a mail header, or null. */
export function headerTextProblem(text: string): string | null {
  return CONTROL.test(text) ? HEADER_TEXT_PROBLEM : null;
}
