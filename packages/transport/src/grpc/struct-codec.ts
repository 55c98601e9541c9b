/**
 * google.protobuf.Struct encoded straight from plain JS values and decoded straight into them.
 *
 * ts-proto's generated Struct code goes through its message objects: encoding wraps every value
 * in a `Value` (`{ kind: { $case, … } }`) and copies every object into a `Struct` first; decoding
 * builds a `Value`, a `FieldsEntry` and a `Struct` per field and then copies them back out. For
 * an agent's answer (a plan, ~1 KB) that was ~3.8 of 5.4 µs to encode and ~3.8 of 4.4 µs to
 * decode. Here the same bytes are written and read with no object in between.
 *
 * The functions replace the generated `Struct.encode`/`wrap`/`decode`/`unwrap` (the only ways
 * the generated messages reach a Struct), so every message holding one uses them. They keep
 * the generated behaviour exactly, which a property test checks against the originals: the same
 * bytes for any JSON-like value, the same value for any bytes (unknown fields and wire types
 * skipped, the last of repeated kinds kept, an empty Value read as undefined), the same limit of
 * 100 nested messages, and keys named `__proto__` dropped both ways (the generated code assigns
 * them into plain objects, which drops them; assigning them here would set a prototype).
 */
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Struct } from "../generated/google/protobuf/struct.js";

/** ts-proto's limit on nested messages while decoding (a Struct, each entry and each Value count). */
const MAX_DEPTH = 100;

type JsonObject = { [key: string]: unknown };

/** The depth the enclosing generated decoders have reached (they keep it on the reader). */
interface DepthCarrier {
  __tsProtoDecodeDepth?: number;
}

function writeFields(object: JsonObject, writer: BinaryWriter): void {
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined || key === "__proto__") continue;
    writer.uint32(10).fork();
    if (key !== "") writer.uint32(10).string(key);
    writer.uint32(18).fork();
    writeValue(value, writer);
    writer.join().join();
  }
}

/** The fields of a google.protobuf.Value holding `value` (nothing for undefined). */
function writeValue(value: unknown, writer: BinaryWriter): void {
  if (value === null) {
    writer.uint32(8).int32(0);
    return;
  }
  switch (typeof value) {
    case "boolean":
      writer.uint32(32).bool(value);
      return;
    case "number":
      writer.uint32(17).double(value);
      return;
    case "string":
      writer.uint32(26).string(value);
      return;
    case "undefined":
      return;
    case "object":
      if (Array.isArray(value)) {
        writer.uint32(50).fork();
        // Holes and undefined items are empty Values, as ListValue.encode writes them.
        for (let i = 0; i < value.length; i++) {
          writer.uint32(10).fork();
          writeValue(value[i], writer);
          writer.join();
        }
      } else {
        writer.uint32(42).fork();
        writeFields(value as JsonObject, writer);
      }
      writer.join();
      return;
    default:
      throw new Error(`Unsupported any value type: ${typeof value}`);
  }
}

function tooDeep(depth: number): void {
  if (depth >= MAX_DEPTH) throw new Error("protobuf decode recursion limit exceeded");
}

/** The end-group wire type or a zero tag ends a message early, as in the generated decoders. */
function endsMessage(tag: number): boolean {
  return (tag & 7) === 4 || tag === 0;
}

function readStruct(reader: BinaryReader, end: number, depth: number): JsonObject {
  tooDeep(depth);
  const object: JsonObject = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) {
      const length = reader.uint32();
      tooDeep(depth + 1);
      const entryEnd = reader.pos + length;
      let key = "";
      let value: unknown;
      while (reader.pos < entryEnd) {
        const t = reader.uint32();
        if (t === 10) key = reader.string();
        else if (t === 18) value = readValue(reader, reader.uint32(), depth + 2);
        else if (endsMessage(t)) break;
        else reader.skip(t & 7);
      }
      if (value !== undefined && key !== "__proto__") object[key] = value;
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return object;
}

function readValue(reader: BinaryReader, length: number, depth: number): unknown {
  tooDeep(depth);
  const end = reader.pos + length;
  let value: unknown;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 8:
        reader.int32();
        value = null;
        continue;
      case 17:
        value = reader.double();
        continue;
      case 26:
        value = reader.string();
        continue;
      case 32:
        value = reader.bool();
        continue;
      case 42:
        value = readStruct(reader, reader.uint32() + reader.pos, depth + 1);
        continue;
      case 50:
        value = readList(reader, reader.uint32() + reader.pos, depth + 1);
        continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return value;
}

function readList(reader: BinaryReader, end: number, depth: number): unknown[] {
  tooDeep(depth);
  const values: unknown[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) {
      values.push(readValue(reader, reader.uint32(), depth + 1));
      continue;
    }
    if (endsMessage(tag)) break;
    reader.skip(tag & 7);
  }
  return values;
}

/** `message.fields` written as a Struct's entries, the generated encoder's bytes. */
function encode(message: Struct, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
  writeFields(message.fields, writer);
  return writer;
}

/** A Struct whose fields are the plain object read from the bytes (see `unwrap`). */
function decode(input: BinaryReader | Uint8Array, length?: number): Struct {
  const reader = input instanceof BinaryReader ? input : new BinaryReader(input);
  const end = length === undefined ? reader.len : reader.pos + length;
  return { fields: readStruct(reader, end, (reader as DepthCarrier).__tsProtoDecodeDepth ?? 0) };
}

let installed = false;

/**
 * Puts the direct codec in place of the generated Struct functions, once per process. `wrap`
 * and `unwrap` pass the plain object through instead of copying it (encode and decode are their
 * only callers, and decode's object is always new).
 */
export function installStructCodec(): void {
  if (installed) return;
  installed = true;
  Struct.encode = encode;
  Struct.decode = decode;
  // Like the generated wrap: undefined is an empty Struct, anything else is read by Object.keys.
  Struct.wrap = (object) => ({ fields: object === undefined ? {} : object });
  Struct.unwrap = (message) => message.fields;
}
