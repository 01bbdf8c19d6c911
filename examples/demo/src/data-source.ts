export interface Product {
  readonly id: number
  readonly name: string
  readonly price: number
}

/** Stands in for a database or remote API: every lookup takes `delayMs` and is counted. */
export class SlowProductSource {
  readonly delayMs: number
  #calls = 0

  constructor(delayMs: number) {
    this.delayMs = delayMs
  }

  /** Number of lookups made so far. */
  get calls(): number {
    return this.#calls
  }

  product(id: number): Promise<Product> {
    this.#calls++
    return new Promise((resolve) => {
      setTimeout(
        () => resolve({ id, name: `Product ${id}`, price: 5 + ((id * 7919) % 9500) / 100 }),
        this.delayMs,
      )
    })
  }
}
