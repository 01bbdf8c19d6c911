/** Injection token of the application's cacheport `CacheService`. */
export const CACHES = Symbol('cacheport:caches')
/** Injection token of the `products` namespace (`Cache<Product>`). */
export const PRODUCTS = Symbol('cacheport:products')
/** Injection token of the example's catalog (the stand-in database). */
export const CATALOG = Symbol('catalog')
