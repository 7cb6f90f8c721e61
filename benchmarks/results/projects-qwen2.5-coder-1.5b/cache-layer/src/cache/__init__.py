"""a caching layer for an API with TTL, LRU eviction, pattern-based invalidation, hit/miss statistics, thread-safe"""
