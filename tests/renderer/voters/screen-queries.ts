/**
 * Finding things on the Voters screen the way a person does: a field by its
 * label, and what the field's description (hint and problem) says.
 */
import type { DOMWrapper, VueWrapper } from '@vue/test-utils';

/** What `get` answers: a wrapper known to exist. */
type Found<T extends Element> = Omit<DOMWrapper<T>, 'exists'>;
type Wrapper = VueWrapper | Found<Element>;

/** The control whose <label> reads `text` exactly: named by its `for`, or inside it. */
export function fieldLabelled(wrapper: Wrapper, text: string): Found<HTMLInputElement> {
  const label = wrapper.findAll('label').find((candidate) => candidate.text() === text);
  if (label === undefined) throw new Error(`no label "${text}"`);
  const id = label.attributes('for');
  return id === undefined
    ? label.get<HTMLInputElement>('input')
    : wrapper.get<HTMLInputElement>(`[id="${id}"]`);
}

/** The text a screen reader reads as the field's description: its hint and, when there is one, its problem. */
export function descriptionOf(wrapper: Wrapper, field: Found<Element>): string {
  const ids = (field.attributes('aria-describedby') ?? '').split(/\s+/).filter((id) => id !== '');
  return ids.map((id) => wrapper.get(`[id="${id}"]`).text()).join(' | ');
}

export function buttonNamed(wrapper: Wrapper, name: string): DOMWrapper<HTMLButtonElement> {
  const button = wrapper
    .findAll('button')
    .find((candidate) => (candidate.attributes('aria-label') ?? candidate.text()) === name);
  if (button === undefined) throw new Error(`no button "${name}"`);
  return button;
}
