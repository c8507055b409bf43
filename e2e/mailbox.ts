/**
 * The mail the app under test sent: testing/serve-test.ts runs an SMTP
 * server on loopback that writes each mail into a folder; specs read it. A
 * suite run against an outside server (E2E_BASE_URL) has no such mailbox.
 */
import { expect } from "@playwright/test";
import { env } from "../lib/env";
import { e2eMailbox, mailboxMails, type ReceivedMail } from "../testing/smtp";

export const hasMailbox = () => !env().E2E_BASE_URL;

/** The first mail to `address` whose subject starts with `subject`, once it arrived. */
export async function waitForMail(address: string, subject: string): Promise<ReceivedMail> {
  const folder = e2eMailbox(env().E2E_PORT);
  const find = () =>
    mailboxMails(folder).find(
      (mail) => mail.to.includes(address.toLowerCase()) && mail.subject.startsWith(subject),
    );
  await expect.poll(() => find() !== undefined, { timeout: 15_000 }).toBe(true);
  return find() as ReceivedMail;
}

/** The link in a mail that contains `part`. */
export function linkIn(mail: ReceivedMail, part: string): string {
  const link = mail.text.match(/https?:\/\/\S+/g)?.find((url) => url.includes(part));
  if (!link) throw new Error(`no link with ${part} in: ${mail.text}`);
  return link;
}
