import { useRef, useState } from "react";
import { api, type ApiError, type Product } from "../api";
import { ErrorMessage, Notice } from "../components";
import { asApiError } from "../hooks";
import { uploadToPresignedPost } from "../upload";

const TYPES = ["image/jpeg", "image/png", "image/webp"];
const MAX_BYTES = 5_242_880;
const POLL_MS = 500;
const POLL_LIMIT = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ask the API for a presigned POST, send the file straight to storage with a progress bar,
 * then wait for the processing to say ready or rejected. */
export function ImageManager({
  product,
  onChange,
  onAction = () => {},
}: {
  product: Product;
  onChange: (product: Product) => void;
  /** Called when an upload or a delete starts: the form's own notice is then out of date. */
  onAction?: () => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [state, setState] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const upload = async () => {
    const file = input.current?.files?.[0];
    onAction();
    setError(null);
    setState(null);
    if (!file) return;
    try {
      const grant = await api.createImage(product.id, { contentType: file.type, contentLength: file.size });
      setProgress(0);
      await uploadToPresignedPost(grant.upload, file, setProgress);
      setState("Uploaded; processing…");
      for (let round = 0; round < POLL_LIMIT; round++) {
        const image = await api.image(product.id, grant.imageId);
        if (image.status === "ready") {
          onChange(await api.product(product.id));
          setState("Picture ready.");
          if (input.current) input.current.value = "";
          return;
        }
        if (image.status === "rejected") {
          setState(null);
          setError(asApiError(new Error(`The picture was rejected: ${image.reason ?? "not a usable image"}.`)));
          return;
        }
        await sleep(POLL_MS);
      }
      setState("Still processing: reload the page later.");
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setProgress(null);
    }
  };

  const remove = async (imageId: string, index: number) => {
    if (!window.confirm(`Delete picture ${index + 1} of “${product.name}”? This cannot be undone.`)) return;
    onAction();
    setError(null);
    setState(null);
    try {
      await api.deleteImage(product.id, imageId);
      onChange(await api.product(product.id));
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  const images = product.images ?? [];
  return (
    <section aria-labelledby="images-heading" className="images">
      <h2 id="images-heading">Pictures</h2>
      {images.length === 0 ? (
        <p>No pictures yet.</p>
      ) : (
        <ul className="thumbs">
          {images.map((image, index) => (
            <li key={image.id}>
              <img src={image.urls.thumb} alt={`Picture ${index + 1} of ${product.name}`} />
              <button type="button" className="link" onClick={() => remove(image.id, index)}>
                Delete picture {index + 1}
              </button>
            </li>
          ))}
        </ul>
      )}
      <label>
        Picture file (JPEG, PNG or WebP, up to 5 MB)
        <input
          ref={input}
          type="file"
          accept={TYPES.join(",")}
          onChange={() => {
            const file = input.current?.files?.[0];
            if (file && file.size > MAX_BYTES) setError(asApiError(new Error("That file is over 5 MB.")));
          }}
        />
      </label>
      <button type="button" onClick={upload} disabled={progress !== null}>
        Upload picture
      </button>
      {progress !== null && (
        <p>
          <label>
            Uploading <progress max={1} value={progress} /> {Math.round(progress * 100)}%
          </label>
        </p>
      )}
      {state && <Notice>{state}</Notice>}
      <ErrorMessage error={error} />
    </section>
  );
}
