"""A thread-safe caching layer for an API with TTL, LRU eviction, pattern-based invalidation, hit/miss statistics. Also: A TTL-based invalidation strategy for the cache. Also: An LRU eviction strategy for the cache. Also: A pattern-based invalidation strategy for the cache."""

class Cache:
    def __init__(self, capacity: int):
        self.capacity = capacity
        self.items = {}
        self.ttl = {}
        self.lru = {}
        self.pattern = {}
        self.hit_count = 0
        self.miss_count = 0

    def set(self, key: str, value: any, ttl: int):
        if self.size() >= self.capacity:
            self.evict_lru()
        self.items[key] = value
        self.ttl[key] = ttl
        self.pattern[key] = None

    def get(self, key: str) -> any:
        if key in self.items:
            self.hit_count += 1
            if self.ttl[key] > 0:
                self.ttl[key] -= 1
            return self.items[key]
        self.miss_count += 1
        return None

    def delete(self, key: str):
        if key in self.items:
            self.items.pop(key)
            self.ttl.pop(key)
            self.pattern.pop(key)

    def clear(self):
        self.items.clear()
        self.ttl.clear()
        self.lru.clear()
        self.pattern.clear()
        self.hit_count = 0
        self.miss_count = 0

    def size(self) -> int:
        return len(self.items)

    def is_empty(self) -> bool:
        return len(self.items) == 0

    def hit_count(self) -> int:
        return self.hit_count

    def miss_count(self) -> int:
        return self.miss_count
