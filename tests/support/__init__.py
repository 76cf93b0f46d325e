"""What the tests share: fakes, recordings, labs and factories (imported as tests.support.X)."""
