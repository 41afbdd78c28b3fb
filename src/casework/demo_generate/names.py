"""Vietnamese-looking names for generated units, officers and applicants (no real people)."""

from __future__ import annotations

import random

SURNAMES = (
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan",
    "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Cao",
)  # fmt: skip
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Quốc", "Ngọc", "Đức", "Thu", "Hữu", "Anh", "Xuân", "Hải")
GIVEN = (
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phúc", "Phương",
    "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến",
)  # fmt: skip
PLACE_PARTS = (
    "An", "Bình", "Tân", "Phú", "Hòa", "Long", "Thạnh", "Đông", "Tây", "Nam", "Bắc", "Hưng",
    "Thái", "Vĩnh", "Quang", "Minh", "Đức", "Hải", "Sơn", "Thanh", "Xuân", "Hồng", "Kim", "Ngọc",
    "Mỹ", "Phước", "Thuận", "Lộc", "Trung", "Hiệp", "Lợi", "Thịnh", "Khánh", "Định", "Lạc", "Yên",
)  # fmt: skip
STREETS = (
    "Trần Hưng Đạo", "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
    "Điện Biên Phủ", "Nguyễn Trãi", "Hùng Vương", "Phan Chu Trinh", "Lê Duẩn", "Bà Triệu",
)  # fmt: skip
COMPANY_WORDS = (
    "Thành Công", "Hưng Thịnh", "Minh Phát", "An Khang", "Việt Tiến", "Hoàng Long", "Phú Gia",
    "Đại Dương", "Sao Mai", "Tân Tiến", "Bình Minh", "Kim Ngân", "Trường Sơn", "Hòa Phát",
    "Nam Việt", "Đông Á", "Phương Nam", "Thiên Ân", "Quốc Tế", "Toàn Cầu",
)  # fmt: skip
COMPANY_FORMS = ("Công ty TNHH", "Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân")
COMPANY_TRADES = (
    "Thiết bị Y tế", "Thực phẩm", "Vật liệu Xây dựng", "Điện tử", "Công nghệ", "Đo lường",
    "Hóa chất", "Nông sản", "Thương mại và Dịch vụ", "Sản xuất và Thương mại", "Viễn thông",
)  # fmt: skip
CLINICS = (
    "Bệnh viện Đa khoa", "Phòng khám Đa khoa", "Phòng khám Nha khoa", "Trung tâm Y tế",
    "Bệnh viện Mắt", "Phòng khám Chẩn đoán hình ảnh",
)  # fmt: skip
INSTITUTES = ("Viện Nghiên cứu", "Trung tâm Ứng dụng Tiến bộ KH&CN", "Trường Đại học", "Viện")
MARKETS = ("Chợ", "Cửa hàng xăng dầu", "Cửa hàng vàng bạc", "Siêu thị mini", "Cơ sở sản xuất")


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def place(rng: random.Random) -> str:
    first = rng.choice(PLACE_PARTS)
    second = rng.choice(PLACE_PARTS)
    while second == first:
        second = rng.choice(PLACE_PARTS)
    return f"{first} {second}"


def commune_name(rng: random.Random) -> str:
    kind = "Phường" if rng.random() < 0.25 else "Xã"
    return f"{kind} {place(rng)}"


def organisation(rng: random.Random, code: str) -> str:
    """An applicant organisation that fits the procedure (clinics for X-ray, firms otherwise)."""
    if "BX" in code or code == "2.002131":
        return f"{rng.choice(CLINICS)} {place(rng)}"
    if code == "1.004473" or "DNKHCN" in code:
        return f"{rng.choice(INSTITUTES)} {rng.choice(COMPANY_WORDS)}"
    return f"{rng.choice(COMPANY_FORMS)} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_WORDS)}"


def inspected(rng: random.Random, commune: str) -> str:
    """The market or shop a commune inspects."""
    where = commune.removeprefix("UBND ")
    kind = rng.choice(MARKETS)
    if kind == "Chợ":
        return f"Chợ {place(rng)} ({where})"
    return f"{kind} {rng.choice(COMPANY_WORDS)} ({where})"


def address(rng: random.Random, commune: str, province: str) -> str:
    return f"Số {rng.randint(1, 399)} đường {rng.choice(STREETS)}, {commune}, {province}"


def phone(rng: random.Random) -> str:
    return f"0{rng.choice('3579')}{rng.randint(0, 99999999):08d}"
