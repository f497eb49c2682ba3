/**
 * Every mail Gatehouse sends, as text and HTML from the same words. A template gets only what its
 * recipient may read: callers pass the room's label for that recipient (roomLabelFor), never the
 * room, so a template cannot name a deal's real name to a bidder by mistake.
 */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** How a room is named to this recipient: external users see its code name only (its name when it has none), staff its name. */
export const roomLabelFor = (room: { name: string; codeName: string | null }, recipient: { role: string }) =>
  recipient.role === 'external' ? (room.codeName ?? room.name) : room.name;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A paragraph of text, a link to act on, a list: what every mail is made of. */
type Block = { p: string } | { action: { label: string; url: string } } | { list: string[] };

function compose(subject: string, greeting: string, blocks: Block[]): MailContent {
  const text = [greeting, ...blocks.map((b) => ('p' in b ? b.p : 'action' in b ? `${b.action.label}: ${b.action.url}` : b.list.map((i) => `  - ${i}`).join('\n'))), '— Gatehouse'].join('\n\n');
  const htmlBlocks = blocks.map((b) =>
    'p' in b
      ? `<p>${escapeHtml(b.p)}</p>`
      : 'action' in b
        ? `<p><a href="${escapeHtml(b.action.url)}" style="display:inline-block;padding:10px 16px;background:#1f3a5f;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(b.action.label)}</a></p>`
        : `<ul>${b.list.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`,
  );
  const html = `<!doctype html><html><body style="font-family:Arial,sans-serif;color:#1b1f24;line-height:1.5"><p>${escapeHtml(greeting)}</p>${htmlBlocks.join('')}<p style="color:#667">— Gatehouse</p></body></html>`;
  return { subject, text: `${text}\n`, html };
}

const hours = (ms: number) => Math.round(ms / 3_600_000);

export const invitationMail = (p: { name: string; url: string; ttlMs: number; roomLabel?: string }): MailContent =>
  compose(p.roomLabel ? `You are invited to ${p.roomLabel} on Gatehouse` : 'You are invited to Gatehouse', `Hello ${p.name},`, [
    { p: p.roomLabel ? `You have been invited to the data room ${p.roomLabel}. Set your password to accept.` : 'An account has been opened for you on Gatehouse. Set your password to accept.' },
    { action: { label: 'Accept the invitation', url: p.url } },
    { p: `The link works once and for ${hours(p.ttlMs)} hours. If you did not expect this invitation, ignore this mail.` },
  ]);

export const passwordResetMail = (p: { name: string; url: string; ttlMs: number }): MailContent =>
  compose('Reset your Gatehouse password', `Hello ${p.name},`, [
    { p: 'Someone asked to reset the password of your Gatehouse account. If it was you, choose a new one:' },
    { action: { label: 'Choose a new password', url: p.url } },
    { p: `The link works once and for ${Math.round(p.ttlMs / 60_000)} minutes. Every session of yours ends when the password changes. If it was not you, ignore this mail: your password stays as it is.` },
  ]);

/** What changed on an account, in the words of the notice sent to its owner. */
export const ACCOUNT_CHANGES = {
  password_changed: 'Your password was changed.',
  password_reset: 'Your password was reset through a reset link.',
  mfa_enabled: 'Two-step sign-in (an authenticator app) was turned on.',
  mfa_disabled: 'Two-step sign-in (an authenticator app) was turned off.',
  api_token_created: 'A new API token was created.',
} as const;
export type AccountChange = keyof typeof ACCOUNT_CHANGES;

export const accountChangedMail = (p: { name: string; change: AccountChange; at: string; signInUrl: string }): MailContent =>
  compose('Security notice: your Gatehouse account changed', `Hello ${p.name},`, [
    { p: `${ACCOUNT_CHANGES[p.change]} (${p.at.replace('T', ' ').slice(0, 16)} UTC)` },
    { p: 'If this was you, nothing is to be done. If it was not, reset your password at once and tell the deal team: someone may hold your session.' },
    { action: { label: 'Open Gatehouse', url: p.signInUrl } },
  ]);

export const ndaRegisteredMail = (p: { name: string; roomLabel: string; partyName: string; url: string }): MailContent =>
  compose(`NDA to confirm in ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `An NDA of ${p.partyName} was registered in ${p.roomLabel} and awaits counsel's confirmation.` },
    { action: { label: 'Review the NDA', url: p.url } },
  ]);

const NDA_STATUS_WORDS = {
  confirmed: { subject: 'Access open', body: "Your organisation's NDA was confirmed by counsel: the documents it covers are open to you." },
  terminated: { subject: 'Access closed', body: "Your organisation's NDA was terminated: the documents it covered are closed to you." },
  expired: { subject: 'Access closed', body: "Your organisation's NDA has expired: the documents it covered are closed to you." },
} as const;

export const ndaStatusMail = (p: { name: string; roomLabel: string; status: keyof typeof NDA_STATUS_WORDS; url: string; invited: boolean }): MailContent =>
  compose(`${NDA_STATUS_WORDS[p.status].subject}: ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `${p.roomLabel}: ${NDA_STATUS_WORDS[p.status].body}` },
    ...(p.invited ? [{ p: 'Accept your invitation first (the link in the invitation mail), then sign in.' }] : []),
    { action: { label: p.status === 'confirmed' ? 'Open the data room' : 'Open Gatehouse', url: p.url } },
  ]);

export const documentsDigestMail = (p: { name: string; rooms: Array<{ label: string; url: string; documents: string[] }> }): MailContent => {
  const count = p.rooms.reduce((n, r) => n + r.documents.length, 0);
  return compose(
    p.rooms.length === 1 ? `${count} new document${count === 1 ? '' : 's'} in ${p.rooms[0]!.label}` : `${count} new documents in ${p.rooms.length} data rooms`,
    `Hello ${p.name},`,
    p.rooms.flatMap((r): Block[] => [{ p: `${r.label}:` }, { list: r.documents }, { action: { label: `Open ${r.label}`, url: r.url } }]),
  );
};

/**
 * Q&A. A template gets only what its recipient may read: the deal team is told which party asked
 * (partyName); an expert and other parties never get a party, a number or an asker to print.
 */
export const questionAskedMail = (p: { name: string; roomLabel: string; partyName: string; number: number; priority: string; subject: string; url: string }): MailContent =>
  compose(`New question in ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `${p.partyName} asked question ${p.number} in ${p.roomLabel} (priority ${p.priority}):` },
    { list: [p.subject] },
    { action: { label: 'Open the Q&A', url: p.url } },
  ]);

export const questionAssignedMail = (p: { name: string; roomLabel: string; subject: string; url: string }): MailContent =>
  compose(`A question to answer in ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `A question in ${p.roomLabel} was assigned to you:` },
    { list: [p.subject] },
    { p: 'Your answer reaches the bidder once a manager has approved it.' },
    { action: { label: 'Answer the question', url: p.url } },
  ]);

export const questionAnsweredMail = (p: { name: string; roomLabel: string; number: number; subject: string; url: string }): MailContent =>
  compose(`Your question ${p.number} was answered: ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `${p.roomLabel}: your party's question ${p.number} has an answer.` },
    { list: [p.subject] },
    { action: { label: 'Read the answer', url: p.url } },
  ]);

export const faqPublishedMail = (p: { name: string; roomLabel: string; subject: string; url: string }): MailContent =>
  compose(`New FAQ in ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `${p.roomLabel}: the deal team published a question and its answer for every bidder.` },
    { list: [p.subject] },
    { action: { label: 'Read the FAQ', url: p.url } },
  ]);

/** To admins, a week before the retention sweeper purges a closed room (server/purge/retention-sweeper.ts). */
export const roomPurgeNoticeMail = (p: { name: string; roomName: string; purgeAt: string; retainDays: number; url: string }): MailContent =>
  compose(`${p.roomName} will be purged on ${p.purgeAt.slice(0, 10)}`, `Hello ${p.name},`, [
    { p: `The closed data room ${p.roomName} keeps its files for ${p.retainDays} days after closing. From ${p.purgeAt.replace('T', ' ').slice(0, 16)} UTC on, every stored file of it (documents, renditions, NDAs, archives) will be deleted; its record and ledger stay, with a signed deletion certificate.` },
    { p: 'To keep the files longer, change or clear the room\'s retention (retainDays) before then.' },
    { action: { label: 'Open the room', url: p.url } },
  ]);

/**
 * Deal end. A return-or-destroy request goes to the members of one party: it names the room as they
 * may see it and their own party's figures only, never another party.
 */
export const certificationRequestedMail = (p: { name: string; roomLabel: string; downloads: number; reminder: number; url: string }): MailContent =>
  compose(
    p.reminder > 0 ? `Reminder: certify return or destruction for ${p.roomLabel}` : `Certify return or destruction for ${p.roomLabel}`,
    `Hello ${p.name},`,
    [
      { p: `Your party's access to the data room ${p.roomLabel} has ended. Under the confidentiality agreement, every copy of its documents taken by your party must be returned or destroyed, and a member of your party must certify that this was done.` },
      { p: `Your party's people took ${p.downloads} ${p.downloads === 1 ? 'copy' : 'copies'} from the room; the certificate lists each of them.` },
      ...(p.reminder > 0 ? [{ p: 'The certification is still outstanding. You will be reminded every week until it is given.' }] : []),
      { action: { label: 'Review and certify', url: p.url } },
      { p: 'You can still sign in for this, even though the room itself is closed to you.' },
    ],
  );

/** An NDA nears its expiry: the room's deal team and counsel are told, so it can be renewed or let lapse on purpose. */
export const ndaExpiryReminderMail = (p: { name: string; roomLabel: string; orgName: string; expiresAt: string; daysLeft: number; url: string }): MailContent =>
  compose(`NDA of ${p.orgName} expires in ${p.daysLeft} day${p.daysLeft === 1 ? '' : 's'}: ${p.roomLabel}`, `Hello ${p.name},`, [
    { p: `The NDA of ${p.orgName} in ${p.roomLabel} expires on ${p.expiresAt.replace('T', ' ').slice(0, 16)} UTC. The access it gives ends then; when it is the last that covers a party, that party is asked to certify return or destruction.` },
    { action: { label: 'Review the NDAs', url: p.url } },
  ]);

/**
 * The week's engagement of a room, for its deal team (managers, counsel): per party, what its people
 * looked at against what it may see. Staff read party names; the mail never goes to a party.
 */
export const engagementDigestMail = (p: {
  name: string;
  roomLabel: string;
  weekOf: string;
  parties: Array<{ name: string; visible: number; viewed: number; views: number; downloads: number; users: number; pagesViewed: number; seconds: number }>;
  url: string;
}): MailContent =>
  compose(`Engagement in ${p.roomLabel}, week of ${p.weekOf}`, `Hello ${p.name},`, [
    { p: `What each party looked at in ${p.roomLabel} in the week of ${p.weekOf} (UTC), against what it may see now:` },
    {
      list: p.parties.map(
        (x) =>
          `${x.name}: looked at ${x.viewed} of the ${x.visible} document${x.visible === 1 ? '' : 's'} it may see; ${x.views} view${x.views === 1 ? '' : 's'}, ${x.downloads} download${x.downloads === 1 ? '' : 's'} by ${x.users} ${x.users === 1 ? 'person' : 'people'}; ${x.pagesViewed} page${x.pagesViewed === 1 ? '' : 's'} read in ${Math.round(x.seconds / 60)} min`,
      ),
    },
    { action: { label: 'Open the engagement heat map', url: p.url } },
  ]);
