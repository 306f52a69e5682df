;; The module behind add.wasm: `wat2wasm add.wat -o add.wasm` (Debian package wabt).
(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add))
