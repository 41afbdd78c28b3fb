"""Officers' training certificates (chứng chỉ nghiệp vụ kiểm tra): records, the validity check
that an inspection team needs, and the import of a class's attendee list (issue 15 item 5)."""
