import { api, ApiError } from "./api";

/** The API refuses more units than in stock (409 OUT_OF_STOCK) naming the product by id; the
 * shopper reads its name and how many are left, asked of the product itself. */
export async function unitsLeft(productId: string): Promise<number> {
  return (await api.product(productId)).stock;
}

export function isOutOfStock(failure: unknown): failure is ApiError {
  return failure instanceof ApiError && failure.code === "OUT_OF_STOCK";
}

export function shortStock(name: string, left: number, detail = ""): ApiError {
  const message = left > 0 ? `Only ${left} of ${name} left in stock${detail}.` : `${name} is out of stock${detail}.`;
  return new ApiError(message, 409, "OUT_OF_STOCK");
}
