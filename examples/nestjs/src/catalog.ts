/** A product of the example's slow "database". */
export interface Product {
  readonly id: string
  readonly shop: string
  readonly name: string
  readonly price: number
}

/** An in-memory stand-in for a database, counting reads so tests can see cache misses. */
export class Catalog {
  reads = 0
  readonly #rows = new Map<string, Product>([
    ['1', { id: '1', shop: '7', name: 'Lamp', price: 30 }],
    ['2', { id: '2', shop: '7', name: 'Desk', price: 120 }],
  ])

  /** The product, or `undefined`; takes a few ms like a real query. */
  async find(id: string): Promise<Product | undefined> {
    this.reads++
    await new Promise((resolve) => setTimeout(resolve, 5))
    return this.#rows.get(id)
  }

  /** Updates a product's price; `undefined` when there is no such product. */
  update(id: string, price: number): Product | undefined {
    const row = this.#rows.get(id)
    if (row === undefined) return undefined
    const next = { ...row, price }
    this.#rows.set(id, next)
    return next
  }
}
