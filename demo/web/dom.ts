type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown> & { on?: Record<string, (event: Event) => void> };

/** Creates an element: attributes from `props` (`on` holds listeners), then children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'on') {
      for (const [type, listener] of Object.entries(value as Record<string, EventListener>)) {
        element.addEventListener(type, listener);
      }
    } else if (typeof value === 'boolean') {
      if (name in element) Reflect.set(element, name, value);
      else if (value) element.setAttribute(name, '');
    } else if (value !== undefined && value !== null) {
      element.setAttribute(name, String(value));
    }
  }
  element.append(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false),
  );
  return element;
}
