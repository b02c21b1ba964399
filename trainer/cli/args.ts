import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';

/** A command-line usage error: the dispatcher prints it and exits with code 2. */
export class UsageError extends Error {}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** node:util parseArgs, with unknown flags turned into a UsageError. */
export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Validate parsed flags with zod; the message names the flag. */
export function validateFlags<T extends z.ZodType>(schema: T, values: unknown): z.infer<T> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** A numeric flag given as a string: "12" -> 12, with a clear message otherwise. */
export const numericFlag = (check: (n: number) => boolean, what: string) =>
  z.string().transform((s, ctx) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || !check(n)) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}, got '${s}'` });
      return z.NEVER;
    }
    return n;
  });
