"""The Kabupaten Klungkung demo: declarations (`content`), packaged real statistics (`data/`)
and the idempotent loader (`loader.load_demo`) used by `satudata demo`."""
