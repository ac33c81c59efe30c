// The API client's pieces that need no server: the API base of a server URL and the server's JSON:API
// error documents as the command prints them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiBase } from './api-client.js';
import { PublishError, parseErrorDocument } from './api-error.js';

describe('apiBase', () => {
  it('is <url>/api/v1/ for a server URL with or without a path, and keeps one already ending in /api/v1', () => {
    assert.equal(apiBase('https://registry.example.com'), 'https://registry.example.com/api/v1/');
    assert.equal(apiBase('https://registry.example.com/'), 'https://registry.example.com/api/v1/');
    assert.equal(apiBase('https://example.com/tf/'), 'https://example.com/tf/api/v1/');
    assert.equal(apiBase('http://127.0.0.1:8080/api/v1'), 'http://127.0.0.1:8080/api/v1/');
  });

  it('refuses what is not an http(s) URL, as a usage error', () => {
    assert.throws(
      () => apiBase('registry.example.com'),
      (e: unknown) => e instanceof PublishError && e.usage && /is not a URL/.test(e.message),
    );
    assert.throws(() => apiBase('ftp://registry.example.com'), /must be http:\/\/ or https:\/\//);
  });
});

describe('parseErrorDocument', () => {
  it('keeps every error of a JSON:API error document', () => {
    const doc = {
      errors: [
        { status: '422', code: 'UNPROCESSABLE_ARTIFACT', title: 'Unprocessable Entity', detail: 'a (signature check)' },
        { status: '422', code: 'UNPROCESSABLE_ARTIFACT', title: 'Unprocessable Entity', detail: 'b', source: { pointer: '/data' } },
      ],
    };
    const errors = parseErrorDocument(422, JSON.stringify(doc));
    assert.equal(errors.length, 2);
    assert.deepEqual(errors[1], {
      status: '422',
      code: 'UNPROCESSABLE_ARTIFACT',
      title: 'Unprocessable Entity',
      detail: 'b',
      source: { pointer: '/data' },
    });
  });

  it('turns any other body (a proxy page) into one error with its start', () => {
    assert.deepEqual(parseErrorDocument(502, '<html>Bad gateway</html>'), [
      { status: '502', code: 'HTTP_ERROR', title: '', detail: '<html>Bad gateway</html>' },
    ]);
    assert.equal(parseErrorDocument(500, '')[0]?.detail, 'HTTP 500 without a body');
  });
});
