/**
 * The mails Sequent sends, as plain text and simple HTML. Everything a
 * person wrote (names, message text) is escaped in the HTML; links are
 * absolute URLs of the app (server/mail/links.ts).
 */
import type { Mail } from "./send";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

function html(paragraphs: (string | { link: string; label: string })[]): string {
  const body = paragraphs
    .map((part) =>
      typeof part === "string"
        ? `<p>${escapeHtml(part)}</p>`
        : `<p><a href="${escapeHtml(part.link)}">${escapeHtml(part.label)}</a></p>`,
    )
    .join("\n");
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${body}</body></html>`;
}

export function passwordResetMail(to: string, link: string, minutes: number): Mail {
  return {
    to,
    subject: "Reset your Sequent password",
    text: `Someone (hopefully you) asked to reset the password of your Sequent account.\n\nChoose a new password here (the link works once, for ${minutes} minutes):\n${link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n`,
    html: html([
      "Someone (hopefully you) asked to reset the password of your Sequent account.",
      { link, label: "Choose a new password" },
      `The link works once, for ${minutes} minutes. If it was not you, ignore this mail: your password stays as it is.`,
    ]),
  };
}

export function verificationMail(to: string, name: string, link: string): Mail {
  return {
    to,
    subject: "Confirm your email address for Sequent",
    text: `Hello ${name},\n\nConfirm that this address is yours, so invitations sent to it reach you:\n${link}\n\nIf you did not create a Sequent account, ignore this mail.\n`,
    html: html([
      `Hello ${name},`,
      "Confirm that this address is yours, so invitations sent to it reach you.",
      { link, label: "Confirm my address" },
      "If you did not create a Sequent account, ignore this mail.",
    ]),
  };
}

export function invitationMail(
  to: string,
  invite: { workspaceName: string; inviterName: string | null; link: string; days: number },
): Mail {
  const who = invite.inviterName ? `${invite.inviterName} invited you` : "You are invited";
  return {
    to,
    subject: `${who} to ${invite.workspaceName} on Sequent`,
    text: `${who} to join ${invite.workspaceName} on Sequent.\n\nJoin here (create an account with this address, or sign in to it):\n${invite.link}\n\nThe invitation is good for ${invite.days} days.\n`,
    html: html([
      `${who} to join ${invite.workspaceName} on Sequent.`,
      { link: invite.link, label: `Join ${invite.workspaceName}` },
      `Create an account with this address, or sign in to it. The invitation is good for ${invite.days} days.`,
    ]),
  };
}

export interface NotificationItem {
  kind: "mention" | "direct";
  place: string;
  author: string;
  snippet: string;
  link: string;
}

export function notificationMail(
  to: string,
  name: string,
  items: NotificationItem[],
  more: number,
  unsubscribe: string,
): Mail {
  const count = items.length + more;
  const subject =
    count === 1
      ? `${items[0]?.author} ${items[0]?.kind === "direct" ? "sent you a message" : "mentioned you"} on Sequent`
      : `${count} new mentions and direct messages on Sequent`;
  const lines = items.map(
    (item) =>
      `${item.kind === "direct" ? "Message from" : "Mention by"} ${item.author} in ${item.place}:\n  ${item.snippet}\n  ${item.link}`,
  );
  return {
    to,
    subject,
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
    text: `Hello ${name},\n\nWhile you were away:\n\n${lines.join("\n\n")}${more > 0 ? `\n\n…and ${more} more.` : ""}\n\nStop these mails: ${unsubscribe}\n`,
    html: html([
      `Hello ${name},`,
      "While you were away:",
      ...items.flatMap((item) => [
        `${item.kind === "direct" ? "Message from" : "Mention by"} ${item.author} in ${item.place}: ${item.snippet}`,
        { link: item.link, label: "Open it in Sequent" },
      ]),
      ...(more > 0 ? [`…and ${more} more.`] : []),
      { link: unsubscribe, label: "Stop these mails" },
    ]),
  };
}
