/**
 * One interface call as a transport carries it: the request checked at the
 * boundary (`parseRequest`), then the operation called with it. Shared by the
 * transports so that each checks requests the same way.
 */
import type { InterfaceApi, InterfaceOperation } from './interface-api.ts';
import { isInvalidRequest, parseRequest, type InterfaceRequest } from './interface-requests.ts';

export type CallOutcome<Answer> = { readonly answer: Answer } | { readonly invalid: string };

/** Indexed by a generic operation, this keeps the request and the method paired for the type checker. */
type Operations = {
  readonly [O in InterfaceOperation]: (request: InterfaceRequest<O>) => ReturnType<InterfaceApi[O]>;
};

/** Calls `operation` with `value` if it is a valid request for it; nothing is called otherwise. */
export async function callOperation<O extends InterfaceOperation>(
  api: InterfaceApi,
  operation: O,
  value: unknown,
): Promise<CallOutcome<Awaited<ReturnType<InterfaceApi[O]>>>> {
  const request = parseRequest(operation, value);
  if (isInvalidRequest(request)) return request;
  const operations: Operations = api;
  return { answer: await operations[operation](request) };
}
