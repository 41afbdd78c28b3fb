"""Certificate classes (lớp tập huấn), the provinces' demand and the priority list."""
