import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type LocalServer, startServer } from '../../../local/server.js';

// The server's own job: turning an HTTP request into the API Gateway event the handlers get. The
// handlers here only record that event; the real ones are exercised in test/integration.
describe('local server: request to API Gateway event', () => {
  const events: APIGatewayProxyEvent[] = [];
  let server: LocalServer;

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      maxBodyBytes: 1024,
      authCacheTtlMs: 0,
      handlers: {
        inference: async (event) => {
          events.push(event);
          return { statusCode: 200, headers: {}, body: '' };
        },
        authorizer: async () => ({
          principalId: 'k',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
          },
          context: { keyName: 'k', models: '*' },
        }),
      },
    });
  });
  afterAll(() => server.close());

  it('passes the whole query on, later question marks included', async () => {
    // Act
    const response = await fetch(`${server.url}/v2/models/m?a=1?b=2&c=3`, {
      headers: { authorization: 'Bearer secret' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(events.at(-1)).toMatchObject({
      path: '/v2/models/m',
      pathParameters: { name: 'm' },
      queryStringParameters: { a: '1?b=2', c: '3' },
    });
  });

  /** A POST of `chunks` bodies of 64 KiB, written as the socket takes them; the answer or the error. */
  const upload = (chunks: number, headers: Record<string, string | number>) =>
    new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
      const req = httpRequest(`${server.url}/v2/models/m/infer`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret', ...headers },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error) => resolve({ error: error.message }));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = chunks;
      const write = () => {
        while (left > 0) {
          left--;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      if (headers.expect === undefined) write();
      else req.on('continue', write);
    });

  /**
   * A client that reads nothing until it has sent its whole body, as a busy uploader does: what it
   * finally reads, or the error instead. A reset from the server throws away whatever answer was
   * waiting unread.
   */
  const sendThenRead = (bodyBytes: number) =>
    new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      socket.pause();
      let answer = '';
      socket.on('error', (error) => resolve(`error: ${error.message}`));
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString();
        if (answer.includes('}')) resolve(answer.split('\r\n')[0] as string);
      });
      socket.on('connect', () => {
        socket.write(
          `POST /v2/models/m/infer HTTP/1.1\r\nhost: x\r\nauthorization: Bearer secret\r\ncontent-length: ${bodyBytes}\r\n\r\n`,
        );
        socket.end(Buffer.alloc(bodyBytes, 0x20), () => setTimeout(() => socket.resume(), 100));
      });
    });

  it('does not reset a client that is still sending when it refuses its body', async () => {
    expect(await sendThenRead(8 * 1024 * 1024)).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('answers an oversized body with its 413 while the client is still sending it', async () => {
    const refused = { error: 'request body is over the 1024-byte limit' };
    // Chunked (no length to judge by): refused once the limit is passed, the rest read and dropped.
    for (let round = 0; round < 5; round++) {
      const answer = await upload(160, {}); // 10 MiB
      expect(answer).toEqual({ status: 413, body: JSON.stringify(refused) });
    }
    // A declared length, sent whole: the same answer, with the length named.
    const declared = await upload(16, { 'content-length': 16 * 64 * 1024 });
    expect(JSON.parse(declared.body ?? '{}')).toEqual({
      error: 'request body of 1048576 bytes is over the 1024-byte limit',
    });
    // Asked first (Expect: 100-continue): refused before any of it is sent.
    const asked = await upload(16, { 'content-length': 16 * 64 * 1024, expect: '100-continue' });
    expect(asked.status).toBe(413);
  });

  /** What the server answers to `request`, written as is on a connection of its own. */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let answer = '';
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString();
      });
      socket.on('end', () => resolve(answer));
      socket.on('connect', () => socket.write(request));
    });
  const statusAndBody = (answer: string) => {
    const [head, body] = answer.split('\r\n\r\n');
    return {
      status: head?.split('\r\n')[0],
      type: /content-type: ([^\r]*)/i.exec(head ?? '')?.[1],
      body: JSON.parse(body ?? 'null'),
    };
  };

  it.each([
    [
      'a Content-Length that is not a number',
      'POST /v2 HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n',
      'HTTP/1.1 400 Bad Request',
      /^malformed HTTP request \(HPE_/,
    ],
    [
      "headers over the parser's limit",
      `GET /v2 HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'HTTP/1.1 431 Request Header Fields Too Large',
      /^request headers too large$/,
    ],
    [
      'an Expect it does not understand',
      'GET /v2 HTTP/1.1\r\nhost: x\r\nexpect: foo\r\nconnection: close\r\n\r\n',
      'HTTP/1.1 417 Expectation Failed',
      /^unsupported Expect header/,
    ],
  ])("answers %s in the protocol's error shape", async (_, request, status, message) => {
    const answer = statusAndBody(await raw(request));
    expect(answer).toEqual({
      status,
      type: 'application/json',
      body: { error: expect.stringMatching(message) },
    });
  });

  it('gives no query parameters when there is no query', async () => {
    await fetch(`${server.url}/v2/models/m`, { headers: { authorization: 'Bearer secret' } });

    expect(events.at(-1)).toMatchObject({ path: '/v2/models/m', queryStringParameters: null });
  });

  // As API Gateway's REST proxy events have them: the last value in `headers`, all of them in
  // `multiValueHeaders`. Joined with commas, a repeated Inference-Header-Content-Length read as '172,172'.
  it('keeps the last value of a repeated header, and every value in multiValueHeaders', async () => {
    // Act
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v2/models/m`, {
        // A list of pairs, which Node sends as they are (and then adds no Host of its own).
        headers: [
          ...['host', new URL(server.url).host, 'authorization', 'Bearer secret'],
          ...['x-twice', 'first', 'x-twice', 'second'],
        ],
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });

    // Assess
    expect(status).toBe(200);
    expect(events.at(-1)?.headers['x-twice']).toBe('second');
    expect(events.at(-1)?.multiValueHeaders['x-twice']).toEqual(['first', 'second']);
  });
});
