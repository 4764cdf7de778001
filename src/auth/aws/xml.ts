/**
 * Just enough XML for AWS query-API answers (STS, EC2): elements, text and the five predefined
 * entities plus numeric references, CDATA; attributes, comments, declarations and processing
 * instructions are skipped. Answers are read by path (`reservationSet/item/instancesSet/item`),
 * so nested `<item>` lists are unambiguous. Not a general XML parser.
 */
export interface XmlElement { name: string; children: XmlElement[]; text: string }

const decode = (s: string) => s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
  if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
});

/** Parses a document; throws on unbalanced or truncated markup. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += decode(text.slice(i));
      break;
    }
    if (lt > i) top.text += decode(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) throw new Error('unterminated CDATA');
      top.text += text.slice(lt + 9, end);
      i = end + 3;
    } else if (text[lt + 1] === '?' || text[lt + 1] === '!') {
      const end = text.indexOf('>', lt);
      if (end < 0) throw new Error('unterminated declaration');
      i = end + 1;
    } else {
      const end = text.indexOf('>', lt);
      if (end < 0) throw new Error('unterminated tag');
      const tag = text.slice(lt + 1, end);
      i = end + 1;
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim();
        if (stack.length < 2 || top.name !== name) throw new Error(`unexpected </${name}>`);
        stack.pop();
        continue;
      }
      const selfClosing = tag.endsWith('/');
      const name = tag.replace(/\/$/, '').trim().split(/\s+/)[0]!;
      if (!name) throw new Error('empty tag');
      const el: XmlElement = { name, children: [], text: '' };
      top.children.push(el);
      if (!selfClosing) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) throw new Error('expected one root element');
  return root.children[0]!;
}

export const child = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);

/** All elements at a `/`-separated path below `el`. */
export function all(el: XmlElement | undefined, path: string): XmlElement[] {
  let level = el ? [el] : [];
  for (const name of path.split('/')) level = level.flatMap((e) => e.children.filter((c) => c.name === name));
  return level;
}

/** The trimmed text at a path, or '' when absent. */
export const textAt = (el: XmlElement | undefined, path: string) => all(el, path)[0]?.text.trim() ?? '';
