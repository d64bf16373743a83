// The buyer's journey as an outside developer would write it with nothing but the Api's OpenAPI document: the types in
// generated/schema.d.ts come from openapi-typescript run on the served document, the calls go through openapi-fetch, and
// every answer is validated against the document's own response schema (Ajv, JSON Schema 2020-12, the dialect of OpenAPI 3.1).
// Run by tests/Ticketing.IntegrationTests/Api/OpenApiDocumentTests.cs:
//   node dist/journey.js <api base URL> <document path> <concert id>
// Prints one line per call; exits 1 at the first answer that is not the expected status or does not match the document.
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { components, paths } from "./generated/schema.js";

const [baseUrl, documentPath, concertId] = process.argv.slice(2);
if (!baseUrl || !documentPath || !concertId) {
  console.error("usage: node dist/journey.js <api base URL> <document path> <concert id>");
  process.exit(2);
}

type Document = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>> };
const document = JSON.parse(readFileSync(documentPath, "utf8")) as Document;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
ajv.addSchema(document as object, "openapi.json"); // its $refs (#/components/schemas/…) resolve inside the document

const client = createClient<paths>({ baseUrl });
let calls = 0;

// The answer must have the expected status and a body the document promises for that status and media type.
async function check<T>(what: string, path: string, method: string, expected: number,
  call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  const body: unknown = data ?? error;
  if (response.status !== expected) {
    throw new Error(`${what}: ${method.toUpperCase()} ${path} answered ${response.status}, expected ${expected}: ${JSON.stringify(body)}`);
  }

  const declared = document.paths[path]?.[method]?.responses[String(expected)];
  if (!declared) {
    throw new Error(`${what}: the document declares no ${expected} for ${method.toUpperCase()} ${path}`);
  }

  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const pointer = `openapi.json#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1").replaceAll("{", "%7B").replaceAll("}", "%7D")}`
    + `/${method}/responses/${expected}/content/${mediaType.replaceAll("/", "~1")}/schema`;
  if (body !== undefined && body !== null && body !== "") {
    if (!declared.content?.[mediaType]?.schema) {
      throw new Error(`${what}: ${mediaType} is not a media type the document declares for ${expected}`);
    }

    const validate = ajv.getSchema(pointer);
    if (!validate) {
      throw new Error(`${what}: no schema at ${pointer}`);
    }

    if (!validate(body)) {
      throw new Error(`${what}: the ${expected} answer does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
    }
  }

  calls++;
  console.log(`ok ${what}: ${method.toUpperCase()} ${path} ${expected}${mediaType ? ` ${mediaType}` : ""}, valid against the document`);
  return data as T;
}

// The same, for an expected error: returns the problem (RFC 9457) with its typed code.
async function checkProblem(what: string, path: string, method: string, expected: number,
  call: Promise<{ error?: unknown; response: Response }>): Promise<components["schemas"]["ProblemDetails"]> {
  const { error, response } = await call;
  await check(what, path, method, expected, Promise.resolve({ data: undefined, error, response }));
  return error as components["schemas"]["ProblemDetails"];
}

const name = `gen_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const password = "correct-horse-battery";
await check("sign up", "/api/users", "post", 201, client.POST("/api/users", { body: { name, password } }));
const signedIn = await check("sign in", "/api/auth/token", "post", 200, client.POST("/api/auth/token", { body: { name, password } }));
const auth = { Authorization: `Bearer ${signedIn.accessToken}` };
const me = await check("who am I", "/api/users/me", "get", 200, client.GET("/api/users/me", { headers: auth }));
if (me.name !== name) throw new Error(`who am I: ${me.name}, expected ${name}`);

const concerts = await check("concerts", "/api/concerts", "get", 200, client.GET("/api/concerts"));
if (!concerts.some((c) => c.concertId === concertId)) throw new Error(`concert ${concertId} is not listed`);

const path = { concertId };
const joined = await check("join the line", "/api/concerts/{concertId}/queue", "post", 201,
  client.POST("/api/concerts/{concertId}/queue", { params: { path }, headers: auth }));
const pass = { "X-Queue-Token": joined.queueToken };
for (let status: string = joined.status, polls = 0; status !== "ACTIVE"; polls++) {
  if (polls > 100) throw new Error(`not admitted after ${polls} polls (status ${status})`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const state = await check("poll the line", "/api/concerts/{concertId}/queue", "get", 200,
    client.GET("/api/concerts/{concertId}/queue", { params: { path, header: pass }, headers: auth }));
  status = state.status;
}

const schedules = await check("dates", "/api/concerts/{concertId}/schedules", "get", 200,
  client.GET("/api/concerts/{concertId}/schedules", { params: { path, header: pass }, headers: auth }));
const scheduleId = schedules[0]?.scheduleId ?? "";
const seats = await check("seats", "/api/schedules/{scheduleId}/seats", "get", 200,
  client.GET("/api/schedules/{scheduleId}/seats", { params: { path: { scheduleId }, header: pass }, headers: auth }));
const seat = seats.find((s) => s.status === "AVAILABLE");
if (!seat) throw new Error("no AVAILABLE seat");

const hold = await check("hold a seat", "/api/holds", "post", 201,
  client.POST("/api/holds", { params: { header: pass }, body: { scheduleId, seatNumber: seat.seatNumber }, headers: auth }));
const short = await checkProblem("pay without points", "/api/payments", "post", 402,
  client.POST("/api/payments", { params: { header: pass }, body: { holdId: hold.holdId }, headers: auth }));
if (short.code !== "INSUFFICIENT_BALANCE") throw new Error(`pay without points: ${short.code}, not INSUFFICIENT_BALANCE`);

const topUp = { "Idempotency-Key": `top-up-${name}` };
const balance = await check("top up", "/api/balance/charges", "post", 200,
  client.POST("/api/balance/charges", { params: { header: topUp }, body: { amount: seat.price }, headers: auth }));
if (balance.balance !== seat.price) throw new Error(`top up: balance ${balance.balance}, expected ${seat.price}`);

const paid = await check("pay the hold", "/api/payments", "post", 201,
  client.POST("/api/payments", { params: { header: { ...pass, "Idempotency-Key": `pay-${name}` } }, body: { holdId: hold.holdId }, headers: auth }));
const reservations = await check("my reservations", "/api/reservations", "get", 200, client.GET("/api/reservations", { headers: auth }));
if (!reservations.some((r) => r.reservationId === paid.reservationId && r.status === "CONFIRMED")) throw new Error("the reservation is not listed");

const history = await check("history", "/api/balance/history", "get", 200,
  client.GET("/api/balance/history", { params: { query: { limit: 10 } }, headers: auth }));
if (history.map((h) => h.kind).join(",") !== "PAYMENT,CHARGE") throw new Error(`history: ${history.map((h) => h.kind)}`);

const unknown = await checkProblem("an unknown hold", "/api/holds/{holdId}", "get", 404,
  client.GET("/api/holds/{holdId}", { params: { path: { holdId: "00000000-0000-4000-8000-000000000000" } }, headers: auth }));
if (unknown.code !== "HOLD_NOT_FOUND") throw new Error(`an unknown hold: ${unknown.code}, not HOLD_NOT_FOUND`);
const anonymous = await checkProblem("no token", "/api/balance", "get", 401, client.GET("/api/balance"));
if (anonymous.code !== "UNAUTHORIZED") throw new Error(`no token: ${anonymous.code}, not UNAUTHORIZED`);

console.log(`the journey passed: ${calls} calls, each answer valid against the document`);
