/**
 * A photo picked on a phone, shrunk to at most 1024 px on its long side and
 * re-encoded as JPEG, so a report or a step stays around 100 KB on a slow link.
 */
const MAX_SIDE = 1024;

/** @param {File} file @returns {Promise<string>} a data: URL */
export async function shrinkPhoto(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const g = canvas.getContext("2d");
  if (!g) throw new Error("no canvas");
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", 0.7);
}
