/**
 * A real SMTP server for tests (smtp-server), in this process: it records the messages it accepted, parsed
 * (postal-mime), and can hold a message unanswered or refuse messages, to play a mail system that hangs
 * or says no.
 */
import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface Received {
  /** When the server accepted it (ms). */
  at: number;
  to: string[];
  raw: Buffer;
  email: Email;
}

export interface TestSmtp {
  port: number;
  received: Received[];
  /** Messages that reached DATA, accepted or not (a held one counts). */
  arrivals: number;
  /** From now on, the n-th message to arrive (1-based, counting all arrivals) is held: never answered. */
  holdArrival(n: number): void;
  /** Answer every message with this SMTP reply code (e.g. 550) instead of accepting it; null to accept again. */
  refuseWith(code: number | null): void;
  /** Refuse this recipient at RCPT TO (550, mailbox unavailable), others accepted; null to accept every one again. */
  refuseRecipient(address: string | null): void;
  close(): Promise<void>;
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
  let hold = 0;
  let refuse: number | null = null;
  let refusedRecipient: string | null = null;
  const state = { received: [] as Received[], arrivals: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refusedRecipient !== null && address.address.toLowerCase() === refusedRecipient) {
        callback(Object.assign(new Error(`mailbox ${address.address} unavailable (test server)`), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.arrivals++;
        if (hold && state.arrivals === hold) return; // never answered: the client waits until it is killed
        if (refuse !== null) {
          const err = Object.assign(new Error(`refused by the test server (${refuse})`), { responseCode: refuse });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        PostalMime.parse(raw).then(
          (email) => {
            state.received.push({ at: Date.now(), to: session.envelope.rcptTo.map((r) => r.address), raw, email });
            callback();
          },
          (err: unknown) => callback(err as Error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.server.address() as AddressInfo).port;
  return {
    port: bound,
    get received() {
      return state.received;
    },
    get arrivals() {
      return state.arrivals;
    },
    holdArrival: (n) => (hold = n),
    refuseWith: (code) => (refuse = code),
    refuseRecipient: (address) => (refusedRecipient = address === null ? null : address.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = await startSmtp();
  const port = s.port;
  await s.close();
  return port;
}
