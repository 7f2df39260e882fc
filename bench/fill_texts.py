"""bench/fill_texts.py — the words bench/fill.py builds a ward from: areas, names, streets,
places, and Vietnamese tips, feedback, group talk and private messages (a template's {slot} is
filled by fill.render: place, when, n, plate, phone, money, url, account)."""

AREAS = [
    ("TDP1", "Tổ dân phố 1", ["tổ 1", "khu phố 1"]),
    ("TDP2", "Tổ dân phố 2", ["tổ 2", "khu phố 2"]),
    ("TDP3", "Tổ dân phố 3", ["tổ 3", "khu phố 3"]),
    ("TDP4", "Tổ dân phố 4", ["tổ 4", "khu phố 4"]),
    ("TDP5", "Tổ dân phố 5", ["tổ 5", "khu phố 5"]),
    ("TDP6", "Tổ dân phố 6", ["tổ 6", "khu phố 6"]),
    ("THONDONG", "Thôn Đông", ["xóm Đông"]),
    ("THONTAY", "Thôn Tây", ["xóm Tây"]),
]

OFFICERS = [
    "Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Cường", "Phạm Minh Đức", "Hoàng Thị Hạnh",
    "Võ Quốc Khánh",
]

SURNAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương", "Lý",
]

GIVEN = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hằng", "Hiếu", "Hoa", "Huy", "Hương",
    "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc", "Nhung", "Phúc", "Quân", "Quỳnh",
    "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Uyên", "Yến",
]

STREETS = [
    "Lê Lợi", "Nguyễn Trãi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Đình Phùng",
    "Võ Thị Sáu", "Điện Biên Phủ", "Nguyễn Du", "Bạch Đằng", "Quang Trung", "Lê Duẩn", "Hùng Vương",
    "Ngô Quyền", "Cách Mạng Tháng Tám",
]

PLACES = [
    "hẻm {n} đường {s}", "đầu ngõ {n} {s}", "chợ {s}", "trước số nhà {n} {s}",
    "công viên gần đường {s}", "bãi giữ xe cạnh trường tiểu học {s}", "quán cà phê đầu hẻm {n}",
    "khu trọ cuối kiệt {n} {s}", "cầu {s}", "bến xe {s}",
]

WHEN = [
    "tối qua", "sáng nay", "khoảng 9 giờ tối hôm qua", "chiều nay", "đêm qua lúc 2 giờ",
    "mấy hôm nay", "tuần trước", "vừa xong", "trưa nay", "cuối tuần rồi",
]

# Tips: (category of config/categories.vi.json, template).
TEMPLATES = [
    ("theft",
     "Tôi bị mất xe máy Honda Wave màu đỏ biển số {plate} ở {place} {when}, lúc đó xe có khóa cổ."),
    ("theft",
     "Có người lạ cạy cửa nhà số {n} ở {place} lấy trộm tài sản, hàng xóm thấy một thanh niên đi "
     "xe máy không biển số."),
    ("theft",
     "Nhà em ở {place} bị trộm điện thoại và {money} đồng tiền mặt {when}, camera có quay được "
     "mặt."),
    ("robbery",
     "Hai thanh niên đi xe máy biển số {plate} giật túi xách của một chị đi bộ ở {place} {when}."),
    ("fraud",
     "Tôi nhận cuộc gọi từ số {phone} tự xưng công an yêu cầu chuyển {money} đồng để xác minh "
     "tài khoản, tôi nghi lừa đảo."),
    ("fraud",
     "Có người nhắn tin mời làm cộng tác viên online, bắt nạp {money} đồng rồi chặn liên lạc, số "
     "điện thoại {phone}."),
    ("fraud",
     "Trang web {url} giả mạo ngân hàng, mẹ tôi đã bấm vào đường link và mất {money} đồng trong "
     "tài khoản."),
    ("drugs",
     "Ở {place} thường có nhóm thanh niên tụ tập sử dụng ma túy vào ban đêm, mùi rất nặng, xe ra "
     "vào liên tục."),
    ("drugs",
     "Nghi có người bán ma túy ở {place}, khách đến mua rồi đi ngay, biển số một xe hay đến là "
     "{plate}."),
    ("gambling",
     "Có sòng bạc tổ chức đánh bài ăn tiền ở nhà số {n} {place}, tối nào cũng đông người và canh "
     "cửa."),
    ("gambling",
     "Quán nước ở {place} ghi số đề công khai, nhiều người đến đánh, chủ quán nhận tiền qua số "
     "{phone}."),
    ("loan_shark",
     "Tôi vay tiền qua ứng dụng, giờ bị nhóm đòi nợ gọi điện đe dọa từ số {phone}, lãi lên tới "
     "{money} đồng."),
    ("loan_shark",
     "Có nhóm cho vay nặng lãi dán quảng cáo ở {place}, người vay không trả được thì bị ném chất "
     "bẩn vào nhà."),
    ("violence",
     "Hai nhóm thanh niên đánh nhau có hung khí ở {place} {when}, một người bị thương phải đi "
     "cấp cứu."),
    ("domestic_violence",
     "Nhà hàng xóm ở {place} chồng say rượu thường xuyên đánh vợ con, tối qua nghe tiếng la hét "
     "rất lớn."),
    ("school_violence",
     "Con tôi học lớp 8 bị một nhóm bạn chặn đánh ở cổng trường gần {place}, quay video đăng lên "
     "mạng."),
    ("public_disorder",
     "Quán karaoke ở {place} hát to quá 12 giờ đêm, nhiều lần nhắc nhở vẫn không chấp hành, ảnh "
     "hưởng người già và trẻ nhỏ."),
    ("public_disorder",
     "Nhóm thanh niên tụ tập nẹt pô, đua xe ở {place} {when}, rất nguy hiểm cho người đi đường."),
    ("weapons_explosives",
     "Tôi thấy có người bán pháo nổ và dao tự chế trên mạng, giao hàng ở {place}, số liên hệ "
     "{phone}."),
    ("fire",
     "Khu trọ ở {place} câu điện tạm, sạc xe điện qua đêm trong hành lang, nguy cơ cháy nổ rất "
     "cao."),
    ("traffic",
     "Xe tải biển số {plate} thường đậu chắn lối đi ở {place}, đã xảy ra va chạm với xe máy "
     "{when}."),
    ("traffic",
     "Đoạn đường {place} có người uống rượu bia rồi lái xe máy chạy lạng lách, suýt tông vào học "
     "sinh."),
    ("prostitution",
     "Cơ sở massage ở {place} nghi có hoạt động mua bán dâm, khách ra vào đến khuya."),
    ("environment",
     "Xưởng ở {place} xả nước thải ra cống chung bốc mùi hôi thối, cá chết nổi trên kênh."),
    ("environment",
     "Có người đổ trộm xà bần và rác thải xây dựng ở {place} {when}, xe ba gác không biển số."),
    ("cybercrime",
     "Tài khoản mạng xã hội của tôi bị chiếm đoạt rồi nhắn tin vay tiền bạn bè, họ đưa số tài "
     "khoản {account}."),
    ("suspicious",
     "Có người lạ đi xe biển số {plate} lảng vảng ở {place} nhiều ngày, hay chụp ảnh nhà dân."),
    ("suspicious",
     "Mấy hôm nay có nhóm người lạ thuê phòng ở {place}, ra vào giờ giấc bất thường, mang theo "
     "nhiều thùng hàng."),
    ("other",
     "Đèn đường ở {place} hỏng lâu ngày, buổi tối rất tối, đã có người bị giật điện thoại ở đây."),
    ("other",
     "Tôi nhặt được ví có giấy tờ tùy thân ở {place} {when}, muốn gửi lại cho người mất."),
]

FEEDBACK = [
    "Góp ý: thủ tục đăng ký tạm trú trên ứng dụng còn khó, mong Công an phường hướng dẫn thêm "
    "cho người già.",
    "Cảm ơn các anh Công an phường đã xử lý nhanh vụ mất xe ở {place}, bà con rất yên tâm.",
    "Đề nghị tăng cường tuần tra ở {place} vào ban đêm, gần đây có nhiều thanh niên tụ tập.",
    "Mong phường lắp thêm camera an ninh ở {place}, khu này hay xảy ra trộm cắp.",
    "Góp ý cán bộ tiếp dân ở bộ phận một cửa làm việc nhiệt tình, tôi rất hài lòng.",
]

PREFIXES = [
    "", "", "Dạ em chào anh chị,", "Chào Công an phường,", "Xin chào,", "Cho tôi báo tin:",
]

SUFFIXES = [
    "", "", "Mong Công an phường kiểm tra giúp.", "Đề nghị xử lý sớm.", "Tôi xin giấu tên.",
    "Cảm ơn các anh chị.",
]

CHATTER = [
    "Mai 7 giờ tối họp tổ dân phố ở nhà văn hóa nhé cả nhà",
    "Ai thấy con chó vàng lạc ở hẻm {n} không ạ, nhà em tìm mấy hôm nay",
    "Chiều nay cắt điện từ 13h đến 17h nha mọi người",
    "Cảm ơn anh tổ trưởng đã thông báo",
    "Tối nay có đội văn nghệ tập ở sân chung, mọi người thông cảm nhé",
    "Nhà ai có xe đậu trước cổng số {n} dời giúp em với ạ",
    "Đã nộp tiền vệ sinh tháng này chưa mọi người",
    "Chúc cả nhóm buổi tối vui vẻ",
    "Ai cần mua rau sạch thì nhắn em nha, giao tận nhà",
    "Cẩn thận có người gọi điện giả danh điện lực đòi tiền nhé cả nhà",
    "Sáng mai thu gom rác cồng kềnh ở đầu hẻm",
    "Ok anh",
    "Dạ vâng ạ",
    "Mưa to quá, đường {s} ngập rồi mọi người tránh nhé",
    "Có ai nhặt được chùm chìa khóa ở chợ không ạ",
]

PRIVATE = [
    "Chào anh, em muốn hỏi về thủ tục đăng ký tạm trú ở phường mình ạ",
    "Dạ cho em hỏi làm căn cước cho con thì cần mang giấy tờ gì ạ?",
    "Xin chào, nhà tôi có người thuê trọ mới, khai báo lưu trú ở đâu vậy?",
    "/start",
    "/help",
    "/trangthai",
    "/tincuatoi",
    "/dangkytin",
    "Cảm ơn ạ",
    "Dạ em cảm ơn anh chị nhiều",
    "Có ai trực không ạ?",
    "Em muốn báo mất giấy tờ thì làm thế nào",
]

OUTCOMES = [
    "Đã xác minh, lập biên bản xử phạt hành chính.",
    "Đã chuyển Công an quận xử lý theo thẩm quyền.",
    "Không phát hiện vi phạm tại thời điểm kiểm tra.",
    "Đã thu hồi tài sản, trao trả người bị hại.",
    "Đã nhắc nhở, các bên cam kết không tái phạm.",
]

CHAT_TITLES = [
    "Tổ dân phố {k} - Khu phố Bình Minh", "Nhóm cư dân hẻm {k}", "Chung cư Hoa Sen block {k}",
    "Thôn {k} - An ninh trật tự", "Hội phụ huynh trường {k}",
]
