/**
 * Outgoing mail. With SMTP_URL set, through that server (nodemailer, one
 * pooled transport per process); without it, each mail is written to the
 * server log, links and all, so `npm start` works end to end with nothing
 * else to run (a developer copies the link from the log).
 *
 * Sending never blocks or fails the request that caused it: callers hand a
 * mail to `deliver`, which sends in the background and logs a failure. So a
 * slow or unreachable mail server cannot tell an attacker anything by timing
 * (whether an address has an account) and cannot stall sign-ups.
 */
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";
import { log } from "@/server/log";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

const transport = () =>
  processSingleton("mail:transport", (): Transporter | null => {
    const url = env().SMTP_URL;
    return url ? nodemailer.createTransport(url, { from: env().MAIL_FROM }) : null;
  });

/** Sends one mail now; resolves when the server took it (or the log has it). */
export async function sendMail(mail: Mail): Promise<void> {
  const smtp = transport();
  if (!smtp) {
    // No SMTP server configured: the log is the mailbox.
    log().info(
      { mail: { to: mail.to, subject: mail.subject, text: mail.text } },
      "mail (SMTP_URL is not set, so it is logged instead of sent)",
    );
    return;
  }
  await smtp.sendMail({ from: env().MAIL_FROM, ...mail });
}

/** Sends in the background; a failure is logged, never thrown. Returns the attempt, for tests. */
export function deliver(mail: Mail): Promise<void> {
  return sendMail(mail).catch((error: unknown) => {
    log().error({ err: error, subject: mail.subject }, "a mail could not be sent");
  });
}
