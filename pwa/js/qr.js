// QR codes on the phone, with no signal: drawing a card's QR when it is issued, and
// reading one from the camera where the browser cannot (no BarcodeDetector, as in Safari).
// Both libraries are copies shipped with the app (see vendor/README.md).
import qrcode from '../vendor/qrcode-generator/qrcode.mjs';

// An SVG drawing of `text` as a QR code. Level M survives a scratched or glary screen;
// type 0 lets the library pick the smallest size that holds the text.
export function qrSvg(text) {
  const code = qrcode(0, 'M');
  code.addData(text);
  code.make();
  return code.createSvgTag({ cellSize: 4, margin: 16, scalable: true });
}

let reader = null;

// jsQR(imageData, width, height) → {data} | null. Loaded on first use only: phones with
// BarcodeDetector never need it. The file is a UMD bundle; imported as a module it puts
// jsQR on the global object.
export function loadQrReader() {
  reader ??= import('../vendor/jsqr/jsQR.js').then(() => self.jsQR);
  return reader;
}
