// Which errors mean "the database is unreachable" (503, logged once per outage) and which
// are ordinary failures of a statement (500, or their own mapping). The shapes are those pg
// and TypeORM were seen to throw through a cut connection (test/integration/database-outage.test.ts).
import { QueryFailedError } from 'typeorm';
import { isDatabaseOutage } from '../../src/db/database-outage.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseOutage', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a dropped connection (pg gives no code)', new Error('Connection terminated unexpectedly')],
    ['a connect timeout',
      Object.assign(new Error('Connection terminated due to connection timeout'),
        { cause: new Error('Connection terminated unexpectedly') })],
    ['no free pooled client in time', new Error('timeout exceeded when trying to connect')],
    ['administrator shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['cannot connect now (starting up)', withCode('the database system is starting up', '57P03')],
    ['a connection exception', withCode('connection failure', '08006')],
    ['TypeORM wrapping a dropped connection',
      new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly'))],
    ['TypeORM wrapping an admin shutdown',
      new QueryFailedError('SELECT 1', [], withCode('terminating connection', '57P01'))],
    ['every address refused',
      Object.assign(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')]),
        { code: 'ECONNREFUSED' })],
  ])('recognises %s', (_, err) => {
    expect(isDatabaseOutage(err)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('duplicate key', '23505'))],
    ['bad input text', withCode('invalid input syntax for type bigint', '22P02')],
    ['a syntax error', withCode('syntax error at or near', '42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('does not take %s for an outage', (_, err) => {
    expect(isDatabaseOutage(err)).toBe(false);
  });
});
