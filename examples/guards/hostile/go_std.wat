;; What a standard Go build looks like to the host: only _start.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
