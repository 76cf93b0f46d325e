"""make install, the wheel and its layout, markers and declared dependencies."""
