import { ApiError, type ImageUpload } from "./api";

/** POST the file straight to the presigned URL (S3, or the local server playing it), with the
 * policy's fields first and the file last, as S3 requires; `onProgress` gets 0..1. */
export function uploadToPresignedPost(
  upload: ImageUpload["upload"],
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", file);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", upload.url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new ApiError(storageMessage(request.responseText, request.status), request.status, "UPLOAD_FAILED"));
      }
    };
    request.onerror = () => reject(new ApiError("The upload could not reach the storage service.", 0, "UPLOAD_FAILED"));
    request.send(form);
  });
}

/** S3 answers in XML (<Message>...</Message>); the local server may answer in the API's JSON.
 * Only the text is taken, never rendered as markup. */
function storageMessage(body: string, status: number): string {
  try {
    const parsed = JSON.parse(body);
    if (typeof parsed?.error === "string") return `Upload refused: ${parsed.error}`;
  } catch {
    /* not JSON */
  }
  const xml = /<Message>([^<]*)<\/Message>/.exec(body);
  return xml ? `Upload refused: ${xml[1]}` : `Upload refused (HTTP ${status}).`;
}
