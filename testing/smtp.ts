/**
 * An SMTP server for tests: smtp-server (an npm package) on loopback, no TLS
 * and no authentication, keeping every mail it receives, parsed by
 * mailparser, so tests assert on what really arrived. Optionally each mail is
 * also written as JSON into a folder (the Playwright suite's mailbox, read by
 * specs in other processes).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface TestSmtp {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** The first mail (arrived or arriving within `timeoutMs`) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A free loopback port, found synchronously, for settings that must be in
 * place before the app's environment is first read (vi.hoisted).
 */
export function freePortSync(): number {
  const script =
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
}

export async function startTestSmtp(
  options: { port?: number; mailbox?: string } = {},
): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  if (options.mailbox) fs.mkdirSync(options.mailbox, { recursive: true });
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const headers: Record<string, string> = {};
          // As sent (mailparser restructures some, such as List-*).
          for (const { key, line } of parsed.headerLines)
            headers[key] = line.slice(line.indexOf(":") + 1).trim();
          const mail: ReceivedMail = {
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers,
          };
          mails.push(mail);
          if (options.mailbox)
            fs.writeFileSync(
              path.join(options.mailbox, `${Date.now()}-${mails.length}.json`),
              JSON.stringify(mail),
            );
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const address = server.server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no matching mail arrived");
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, Math.min(left, 200));
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first http(s) link in a mail's text that contains `part`. */
export function linkIn(mail: ReceivedMail, part: string): string {
  const link = mail.text.match(/https?:\/\/\S+/g)?.find((url) => url.includes(part));
  if (!link) throw new Error(`no link with ${part} in: ${mail.text}`);
  return link;
}

/** The folder the Playwright suite's SMTP server writes mails to, for the server on `port`. */
export const e2eMailbox = (port: number) => path.join(os.tmpdir(), `sequent-e2e-mail-${port}`);

/** The mails in a mailbox folder so far, oldest first. */
export function mailboxMails(folder: string): ReceivedMail[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b))
    .map((name) => JSON.parse(fs.readFileSync(path.join(folder, name), "utf8")) as ReceivedMail);
}
