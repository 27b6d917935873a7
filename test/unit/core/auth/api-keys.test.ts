import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, jest } from '@jest/globals';
import { authenticate, authorizeModel, createKey } from '../../../../core/auth/api-keys.js';
import {
  ForbiddenError,
  InvalidInputError,
  UnauthorizedError,
} from '../../../../core/oip/errors.js';

/** A fake keys table holding whatever createKey put into it. */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  type Input = { Item?: Record<string, unknown> & { pk: string }; Key?: { pk: string } };
  const send = jest.fn(async (command: { constructor: { name: string }; input: Input }) => {
    const { Item, Key } = command.input;
    if (command.constructor.name === 'PutCommand' && Item !== undefined) {
      items.set(Item.pk, Item);
      return {};
    }
    return { Item: items.get(Key?.pk ?? '') };
  });
  return { deps: { ddb: { send } as unknown as DynamoDBDocumentClient, keysTable: 'keys' }, items };
}

describe('API keys', () => {
  it('stores only a hash and accepts the token it returned once', async () => {
    const { deps, items } = fakeTable();
    const { token, key } = await createKey(deps, {
      name: 'web',
      models: ['vad'],
      createdBy: 'alice',
    });
    expect(token).toMatch(/^maas\.web\.[A-Za-z0-9_-]{43}$/);
    expect(key).not.toHaveProperty('hash');
    const stored = JSON.stringify([...items.values()]);
    expect(stored).not.toContain(token.split('.')[2]);
    await expect(authenticate(deps, `Bearer ${token}`)).resolves.toEqual({
      keyName: 'web',
      models: ['vad'],
    });
  });

  it('refuses an explicitly empty model list instead of widening the key to every model', async () => {
    const { deps, items } = fakeTable();
    await expect(createKey(deps, { name: 'web', models: [], createdBy: 'alice' })).rejects.toThrow(
      InvalidInputError,
    );
    expect(items.size).toBe(0);
    // Leaving the list out is how a key for all models is asked for.
    const { key } = await createKey(deps, { name: 'web', createdBy: 'alice' });
    expect(key.models).toEqual(['*']);
  });

  it.each([
    [undefined, /missing API key/],
    ['', /missing API key/],
    ['Basic abc', /missing API key/],
    ['Bearer maas.web', /invalid API key/],
    ['Bearer maas.web.wrong-secret', /invalid API key/],
    ['Bearer maas.nobody.secret', /invalid API key/],
    ['Bearer other.web.secret', /invalid API key/],
    ['Bearer maas.WEB.secret', /invalid API key/],
  ])('refuses the header %j', async (header, message) => {
    const { deps } = fakeTable();
    await createKey(deps, { name: 'web', createdBy: 'alice' });
    await expect(authenticate(deps, header)).rejects.toThrow(UnauthorizedError);
    await expect(authenticate(deps, header)).rejects.toThrow(message);
  });

  it('refuses a revoked key', async () => {
    const { deps, items } = fakeTable();
    const { token } = await createKey(deps, { name: 'web', createdBy: 'alice' });
    items.set('KEY#web', { ...items.get('KEY#web'), revokedAt: 'now' });
    await expect(authenticate(deps, `Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
  });

  it('limits a scoped key to its models', () => {
    expect(() => authorizeModel({ keyName: 'k', models: ['a'] }, 'a')).not.toThrow();
    expect(() => authorizeModel({ keyName: 'k', models: ['a'] }, 'b')).toThrow(ForbiddenError);
    expect(() => authorizeModel({ keyName: 'k', models: ['*'] }, 'b')).not.toThrow();
  });
});
