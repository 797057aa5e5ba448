{
  "targets": [
    {
      "target_name": "vsag",
      "sources": ["src/addon.c", "src/libvsag.c"],
      "include_dirs": ["include", "../include"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
