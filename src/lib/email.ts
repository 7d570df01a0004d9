/**
 * A header value (subject, display name) must stay one line: a CR or LF would let whoever typed
 * an enterprise name or a subject add headers of their own (header injection). Other control
 * characters have no place in a header either.
 */
export function isHeaderSafe(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f\u2028\u2029]/.test(value);
}

/** A pragmatic check of one mailbox address (what SMTP relays accept), not the full RFC 5322 grammar. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 320 && /^[^\s@"<>(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(value) && isHeaderSafe(value);
}
