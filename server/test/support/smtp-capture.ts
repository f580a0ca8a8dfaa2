// A real SMTP server on loopback (the `smtp-server` package) that keeps what it receives, so
// tests read the verification email exactly as a partner's mailbox would get it.

import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedEmail {
  to: string;
  subject: string;
  text: string;
}

export async function startSmtpCapture(): Promise<{
  url: string;
  emails: CapturedEmail[];
  waitFor(predicate: (e: CapturedEmail) => boolean, timeoutMs?: number): Promise<CapturedEmail>;
  close(): Promise<void>;
}> {
  const emails: CapturedEmail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const to = Array.isArray(mail.to) ? mail.to[0].text : (mail.to?.text ?? '');
          emails.push({ to, subject: mail.subject ?? '', text: mail.text ?? '' });
          for (const w of waiters.splice(0)) w();
          callback();
        },
        (err) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    emails,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = emails.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('email did not arrive');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
