/*
 * The SMTP server of the mail bench (M1): a real smtp-server on 127.0.0.1, in a child process of its
 * own so that neither its CPU nor its memory is counted as the sender's. It reads each mail's header
 * for its Message-ID and counts mails and distinct Message-IDs (a mail sent twice shows as a
 * duplicate); the body is read and dropped. The parent drives it over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkCount {
  /** Mails accepted since the last reset. */
  received: number;
  /** Distinct Message-IDs among them. */
  distinct: number;
}

export interface CountingSink {
  url: string;
  /** Resolves once `distinct` different mails have arrived since the last reset. */
  waitForDistinct(distinct: number, timeoutMs?: number): Promise<SinkCount>;
  count(): Promise<SinkCount>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

type ToSink = { type: 'wait'; distinct: number } | { type: 'count' } | { type: 'reset' };
type FromSink = { type: 'listening'; port: number } | ({ type: 'count' } & SinkCount) | { type: 'reset' };

export async function startCountingSink(): Promise<CountingSink> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: FromSink['type'], timeoutMs = 60_000) =>
    new Promise<FromSink>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', on);
        reject(new Error(`the SMTP sink did not answer "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (message: FromSink) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve(message);
      };
      child.on('message', on);
    });
  const send = (message: ToSink) => child.send(message);
  const listening = (await next('listening')) as { port: number };
  const countOf = (m: FromSink) => ({ received: (m as SinkCount).received, distinct: (m as SinkCount).distinct });
  return {
    url: `smtp://127.0.0.1:${listening.port}`,
    waitForDistinct: async (distinct, timeoutMs = 600_000) => {
      const answer = next('count', timeoutMs);
      send({ type: 'wait', distinct });
      return countOf(await answer);
    },
    count: async () => {
      const answer = next('count');
      send({ type: 'count' });
      return countOf(await answer);
    },
    reset: async () => {
      const answer = next('reset');
      send({ type: 'reset' });
      await answer;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The child: counts what it accepts, answers the parent. */
async function serve(): Promise<void> {
  const reply = (message: FromSink) => process.send!(message);
  let received = 0;
  let ids = new Set<string>();
  let waiting: number | null = null;
  const answerWaiter = () => {
    if (waiting !== null && ids.size >= waiting) {
      waiting = null;
      reply({ type: 'count', received, distinct: ids.size });
    }
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      let headDone = false;
      stream.on('data', (chunk: Buffer) => {
        if (headDone) return;
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end >= 0) {
          head = head.slice(0, end);
          headDone = true;
        }
      });
      stream.on('end', () => {
        received += 1;
        const id = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1];
        if (id) ids.add(id);
        answerWaiter();
        callback();
      });
    },
  });
  process.on('message', (message: ToSink) => {
    if (message.type === 'wait') {
      waiting = message.distinct;
      answerWaiter();
    } else if (message.type === 'count') reply({ type: 'count', received, distinct: ids.size });
    else if (message.type === 'reset') {
      received = 0;
      ids = new Set();
      reply({ type: 'reset' });
    }
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  server.listen(0, '127.0.0.1', () => reply({ type: 'listening', port: (server.server.address() as AddressInfo).port }));
}

if (process.argv[2] === '--serve') await serve();
