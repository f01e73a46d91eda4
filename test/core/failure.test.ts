import t from 'tap';
import { isPermanent, PermanentError, RetryableError } from '../../src/core/failure.ts';
import { classifyErpError, PermanentErpError, RetryableErpError } from '../../src/erp/erp-errors.ts';

t.test('one verdict: ERP failures are the same permanent / retryable pair the queue decides on', async (t) => {
  const dup = classifyErpError(Object.assign(new Error('Violation of PRIMARY KEY constraint'), { number: 2627 }), 'insert');
  const deadlock = classifyErpError(Object.assign(new Error('Transaction was deadlocked'), { number: 1205 }), 'insert');
  t.ok(dup instanceof PermanentErpError && dup instanceof PermanentError);
  t.ok(deadlock instanceof RetryableErpError && deadlock instanceof RetryableError);
  t.equal(isPermanent(dup), true, 'a duplicate key is final');
  t.equal(isPermanent(deadlock), false, 'a deadlock is retried');
  t.equal(isPermanent(new PermanentError('no insert statement configured')), true);
  t.equal(isPermanent(Object.assign(new Error('from the agent'), { retryable: false })), true, "the agent's ack says so");
  t.equal(isPermanent(new Error('unknown')), false, 'anything else is retried');
});

t.test('our own permanent verdict keeps its message through the ERP classification', async (t) => {
  const e = classifyErpError(new PermanentError('PROVEEDOR has no insert statement configured'), 'insert');
  t.ok(e instanceof PermanentErpError);
  t.match(e, { message: 'PROVEEDOR has no insert statement configured', retryable: false, statement: 'insert' });
});
