// Building the pages: elements and SVG from plain calls, and the words of fixed elements.
// No templates and no innerHTML, so nothing a person typed is ever read as markup.

export const $ = (id) => document.getElementById(id);

export function html(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") element.className = value;
    else element.setAttribute(key, value);
  }
  for (const child of children) {
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function svg(tag, attributes = {}, text = null) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== null) element.textContent = text;
  return element;
}

// Fill elements that are always on the page with their words: { elementId: text }.
export function setTexts(texts) {
  for (const [id, value] of Object.entries(texts)) $(id).textContent = value;
}
