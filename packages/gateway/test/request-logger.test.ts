import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLogger } from "@synapse/core";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { RequestLogger, requestLoggerFactory } from "../src/request-logger.js";

function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: "gateway",
    level,
    format: "json",
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  }) as FastifyBaseLogger;
  return { logger, lines };
}

describe("request logger", () => {
  test("makes the pino child on the first line only, with the request's bindings", () => {
    const { logger, lines } = capture();
    let children = 0;
    const parent = Object.create(logger) as FastifyBaseLogger;
    parent.child = (bindings, options) => {
      children += 1;
      return logger.child(bindings, options);
    };
    const log = new RequestLogger(parent, { reqId: "r1" }, {});
    assert.equal(log.level, "info");
    assert.equal(children, 0, "nothing logged, no child");
    log.info({ code: "NOT_FOUND" }, "request refused");
    log.warn("second %s", "line");
    assert.equal(children, 1, "one child, made once");
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.reqId, "r1");
    assert.equal(lines[0]?.code, "NOT_FOUND");
    assert.equal(lines[0]?.msg, "request refused");
    assert.equal(lines[1]?.msg, "second line");
    assert.equal(lines[1]?.reqId, "r1");
  });

  test("levels: a child's own level wins, below it nothing is written", () => {
    const { logger, lines } = capture("info");
    const log = new RequestLogger(logger, { reqId: "r2" }, { level: "warn" });
    assert.equal(log.level, "warn");
    log.info("dropped");
    log.error("kept");
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["kept"],
    );
    log.level = "debug";
    log.debug("now kept");
    assert.equal(lines.length, 2);
    assert.equal(log.child({ step: 1 }).level, "debug");
  });

  test("as Fastify's childLoggerFactory, a route's lines carry its request id", async () => {
    const { logger, lines } = capture();
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: requestLoggerFactory,
      genReqId: () => "req-7",
    });
    app.get("/quiet", async () => ({ ok: true }));
    app.get("/loud", async (request) => {
      request.log.info("handled");
      return { ok: true };
    });
    await app.inject({ method: "GET", url: "/quiet" });
    const before = lines.length;
    await app.inject({ method: "GET", url: "/loud" });
    const handled = lines.slice(before).find((l) => l.msg === "handled");
    assert.equal(handled?.reqId, "req-7");
    await app.close();
  });
});
