// Small builders for the screens: elements with text (never HTML), buttons, QR images.

export function element(tag, { text, className, attrs = {} } = {}, ...children) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function button(text, className, onclick) {
  const node = element('button', { text, className, attrs: { type: 'button' } });
  node.onclick = onclick;
  return node;
}

// The server's QR codes come as SVG text; an <img> shows them without inserting markup.
export function svgDataUrl(svg) {
  return `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
}
