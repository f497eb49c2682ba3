import type { ArchiveRow } from './repository.js';

/** README.txt of an archive: for whoever opens it in ten years, with no Gatehouse at hand. */
export function archiveReadme(o: { room: Record<string, unknown>; party: { id: string; name: string } | null; archive: ArchiveRow; documents: number }): string {
  const scope = o.party
    ? `what the party "${o.party.name}" (${o.party.id}) could view in the room, each document in the version its members last received`
    : 'the whole room: every version of every document, drafts and withdrawn ones included';
  return [
    `Gatehouse deal-end archive ${o.archive.id}`,
    `Room: ${String(o.room.name)}${o.room.codeName ? ` ("${String(o.room.codeName)}")` : ''} (${o.archive.roomId})`,
    `Requested ${o.archive.createdAt}. Scope: ${scope}. ${o.documents} document(s).`,
    '',
    'What is inside',
    '  index.csv              one row per document file: index, title, entity, status, versions, version,',
    '                         SHA-256, size, the file in this archive, folder, document id and (for a party',
    '                         archive) the ids of the watermarked deliveries of that version to the party.',
    '  documents/             the original files (as uploaded, without watermarks), named by index and title.',
    '  ndas/, ndas.json       the confidentiality agreements and what each covers.',
    '  questions.json         the Q&A of the archive\'s scope.',
    '  ledger.jsonl           the room\'s audit events (a party archive: those concerning the party), one',
    '                         stored event per line, each chained by SHA-256 to the one before it on the server.',
    '  checkpoints.json       signed statements of the ledger key: "the event of seq N had hash H".',
    '  ledger-public-key.pem  the ledger\'s public key (Ed25519).',
    '  manifest.json/.sig     every file\'s size and SHA-256, signed with the ledger key.',
    '  verify.mjs             the checker: run `node verify.mjs` in this folder (Node.js 18 or later, nothing else).',
    '',
    'What verify.mjs proves',
    '  - No file was changed, added or removed since the server sealed the archive: the manifest is',
    '    signed with the ledger key and names every file\'s SHA-256.',
    '  - Every ledger line is the event the server recorded: each hash recomputes from its line, each',
    '    line that follows its predecessor on the server links to it, and the last line (the archive\'s',
    '    seal) is signed as a checkpoint.',
    '  It prints the signing key\'s id: compare it with the key id the Gatehouse server publishes (every',
    '  ledger checkpoint of the server names it). A manifest signed with another key proves nothing.',
    '',
    'What it does not prove',
    '  - That the room\'s events are all here: the server\'s ledger is one chain for all rooms, so the',
    '    events of this room are not contiguous in it; that none was left out rests on the server\'s',
    '    signature of the manifest. The whole chain is checked on the server by `npm run audit:verify`.',
    '  - What a recipient holds: each delivery was watermarked for its recipient; the archive keeps the',
    '    originals, and index.csv names the deliveries (their ids are printed on every delivered page).',
    '',
  ].join('\r\n');
}
