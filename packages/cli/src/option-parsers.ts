/** Parsers for numeric command-line options: a bad value is commander's error (exit 1), naming the option. */
import { InvalidArgumentError } from "commander";

/** An integer in [min, max]; commander prefixes the message with the option's name. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${raw}".`);
    }
    return value;
  };
}
