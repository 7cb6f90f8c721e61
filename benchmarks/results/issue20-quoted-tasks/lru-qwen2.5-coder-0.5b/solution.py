import collections

class LRUCache:
    def __init__(self, capacity):
        self.cache = collections.OrderedDict()
        self.capacity = capacity
        self.head = {'key': None, 'value': None, 'prev': None, 'next': None}
        self.tail = {'key': None, 'value': None, 'prev': None, 'next': None}

    def get(self, key):
        if key in self.cache:
            node = self.cache[key]
            self.move_to_head(node)
            return node['value']
        return None

    def put(self, key, value):
        if key in self.cache:
            node = self.cache[key]
            node['value'] = value
            self.move_to_head(node)
        else:
            if len(self.cache) >= self.capacity:
                self.remove_tail()
            new_node = {'key': key, 'value': value, 'prev': None, 'next': None}
            self.cache[key] = new_node
            self.move_to_head(new_node)

    def move_to_head(self, node):
        if node == self.head:
            return
        if node == self.tail:
            self.tail = node.prev
            node.prev.next = None
            node.prev = None
            self.head = node
        else:
            node.prev.next = node.next
            node.next.prev = node.prev
            node.prev = None
            node.next = self.head
            self.head = node

    def remove_tail(self):
        if self.tail == self.head:
            self.head = None
            self.tail = None
        else:
            node = self.tail
            self.tail = node.prev
            node.prev.next = None
            node.prev = None