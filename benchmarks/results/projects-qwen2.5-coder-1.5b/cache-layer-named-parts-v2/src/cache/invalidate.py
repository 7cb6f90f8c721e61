"""An invalidation module removing the keys that match a pattern."""

from cache.cache import Cache

from threading import Lock

class Cache:
    def __init__(self):
        self.cache = {}
        self.order = []
        self.lock = Lock()

    def get(self, key: str) -> str:
        with self.lock:
            if key in self.cache:
                self.order.remove(key)
                self.order.append(key)
                return self.cache[key]
        return None

    def set(self, key: str, value: str, ttl: int) -> None:
        with self.lock:
            if key in self.cache:
                self.order.remove(key)
                self.order.append(key)
                self.cache[key] = value
            else:
                self.order.append(key)
                self.cache[key] = value
            if ttl > 0:
                self.order.pop(0)

    def delete(self, key: str) -> None:
        with self.lock:
            if key in self.cache:
                self.order.remove(key)
                del self.cache[key]

    def clear(self) -> None:
        with self.lock:
            self.cache.clear()
            self.order.clear()

    def get_stats(self) -> dict:
        return {'hits': sum(1 for key in self.cache if self.order.index(key) > 0),
                'misses': len(self.cache) - sum(1 for key in self.cache if self.order.index(key) > 0)}

    def invalidate(self, pattern: str) -> None:
        with self.lock:
            for key in list(self.cache.keys()):
                if key.startswith(pattern):
                    self.delete(key)


# The interface's module-level functions, served by one default Cache (as random does)
_default_cache = Cache()
invalidate = _default_cache.invalidate
