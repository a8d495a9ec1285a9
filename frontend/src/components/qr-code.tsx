import QRCode from "qrcode";
import { useEffect, useState } from "react";

/**
 * A QR code as a crisp SVG image that scales to any size. Only the projector screen and the console import
 * this file (both lazy-loaded), which keeps the QR library out of the voter page's bundle.
 */
export function QrCode({ text, label, className }: { text: string; label: string; className?: string }) {
  const [src, setSrc] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    // Dark modules on white whatever the page theme: phone cameras read that best.
    QRCode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M", color: { dark: "#000", light: "#fff" } })
      .then((svg) => {
        if (current) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      })
      .catch(() => {
        if (current) setSrc(null);
      });
    return () => {
      current = false;
    };
  }, [text]);

  return src ? (
    <img className={className} src={src} alt={label} />
  ) : (
    <span className={className} role="img" aria-label={label} />
  );
}

/** A PNG of the QR code (for print and slides), as a data URL ready for a download link. */
export function qrCodePng(text: string, size = 1024): Promise<string> {
  return QRCode.toDataURL(text, { width: size, margin: 4, errorCorrectionLevel: "M" });
}
