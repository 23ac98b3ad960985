// How `user set-password` gets the new password: typed twice, without echo, when stdin is a
// terminal; otherwise the first line of what is piped in (`printf '%s\n' "$PW" | npm run cli -- …`).
// Never from an argument: it would stay in the shell history and show in every process listing.
import { CliUsageError } from './commands.js';

/** More than any password the policy accepts (72 bytes), so a stray file piped in is not read whole. */
const MAX_LINE = 4096;

/** The first line of a non-terminal stdin, without its line ending; reading stops there. */
async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    const end = text.search(/[\r\n]/);
    if (end >= 0) return text.slice(0, end);
    if (text.length > MAX_LINE) break;
  }
  return text;
}

/** One answer typed on a terminal in raw mode, echoing nothing; Ctrl-C cancels. */
function askHidden(question: string, stdin: NodeJS.ReadStream, out: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    // No echo before the prompt shows: whatever is typed ahead is not echoed either.
    stdin.setRawMode(true);
    out.write(question);
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      out.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    function onData(chunk: string | Buffer) {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('cancelled; the password was not changed'));
        if (ch === '\u0004') {
          if (!typed) return finish();
        } else if (ch === '\u007f' || ch === '\b') {
          typed = [...typed].slice(0, -1).join('');
        } else if (ch >= ' ') {
          typed += ch;
        }
      }
      return undefined;
    }
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The new password, by prompt (twice, must match) or from the first line piped in. */
export async function readNewPassword(stdin: NodeJS.ReadStream = process.stdin,
  prompt: NodeJS.WritableStream = process.stderr): Promise<string> {
  if (stdin.isTTY) {
    const first = await askHidden('New password: ', stdin, prompt);
    if (!first) throw new CliUsageError('no password typed; the password was not changed');
    const again = await askHidden('Type it again: ', stdin, prompt);
    if (again !== first) throw new Error('the two passwords differ; the password was not changed');
    return first;
  }
  const line = await firstLine(stdin);
  if (!line) throw new CliUsageError('expected the new password on the first line of stdin (or run it in a terminal)');
  return line;
}
