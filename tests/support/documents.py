# ruff: noqa: E501  (the documents keep their lines as written)
"""Realistic documents made in code, Thai and English, for the local AI and the date parser.

Each one carries the things that went wrong before: Thai words newmm does not know, field
labels ("เลขที่", "สำหรับ") next to content words, table rows, card-terminal boilerplate,
repeated page headers and footers, and the dates the document states in the forms people
write them (Buddhist-era years, Thai month abbreviations, day-first numbers).
"""

from __future__ import annotations

from datetime import date

SLIP_TH = """\
โอนเงินสำเร็จ
2 มิ.ย. 68 14:35 น.
นาย สมชาย ใจดี
ธ.กสิกรไทย
xxx-x-x1234-x
ไปยัง
บริษัท สยามพร็อพเพอร์ตี้ จำกัด
ธ.ไทยพาณิชย์
xxx-x-x5678-x
จำนวน: 12,500.00 บาท
ค่าธรรมเนียม: 0.00 บาท
เลขที่รายการ: 015153143512ATF05123
บันทึกช่วยจำ: ค่าเช่าห้องเดือนมิถุนายน
สแกนตรวจสอบสลิป
"""

LEASE_TH = """\
สัญญาเช่าห้องชุด
ทำที่ อาคารชุดศุภาลัย ริวา แกรนด์ ถนนพระรามสาม แขวงบางโพงพาง เขตยานนาวา กรุงเทพมหานคร
วันที่ 1 มีนาคม พ.ศ. 2568
สัญญาฉบับนี้ทำขึ้นระหว่าง นางสาวกนกวรรณ ศรีสุข เกิดวันที่ 12 สิงหาคม 2535 ซึ่งต่อไปในสัญญานี้เรียกว่า "ผู้ให้เช่า" ฝ่ายหนึ่ง กับ นายธนพล วงศ์ใหญ่ ซึ่งต่อไปในสัญญานี้เรียกว่า "ผู้เช่า" อีกฝ่ายหนึ่ง
ข้อ 1. ผู้ให้เช่าตกลงให้เช่าและผู้เช่าตกลงเช่าห้องชุดเลขที่ 1205 ชั้น 12 อาคารบี สำหรับห้องชุดเลขที่ดังกล่าวใช้เป็นที่อยู่อาศัยเท่านั้น
ข้อ 2. ระยะเวลาการเช่าหนึ่งปี ตั้งแต่วันที่ 1 เมษายน 2568 ถึงวันที่ 31 มีนาคม 2569
ข้อ 3. ค่าเช่าห้องชุดเดือนละ 15,000 บาท (หนึ่งหมื่นห้าพันบาทถ้วน) ผู้เช่าต้องชำระค่าเช่าภายในวันที่ 5 ของทุกเดือน
ข้อ 4. ผู้เช่าได้วางเงินประกันสองเดือน เป็นเงิน 30,000 บาท ผู้ให้เช่าจะคืนเงินประกันเมื่อสิ้นสุดสัญญาเช่า หลังหักค่าเสียหาย
ข้อ 5. ผู้เช่าต้องชำระค่าไฟฟ้าและค่าน้ำประปาตามมิเตอร์ และค่าส่วนกลางตามที่นิติบุคคลอาคารชุดเรียกเก็บ
ข้อ 6. ผู้เช่าจะไม่นำห้องชุดไปให้ผู้อื่นเช่าช่วง และจะไม่ดัดแปลงต่อเติมห้องชุดโดยไม่ได้รับอนุญาตเป็นหนังสือจากผู้ให้เช่า
ลงชื่อ ..................... ผู้ให้เช่า
ลงชื่อ ..................... ผู้เช่า
"""

RECEIPT_TH = """\
ใบเสร็จรับเงิน/ใบกำกับภาษีอย่างย่อ
บริษัท สยามคอฟฟี่ จำกัด สาขาสีลม
เลขประจำตัวผู้เสียภาษี 0105561234567
วันที่ ๑๔ มี.ค. ๒๕๖๘ เวลา 09:15 น.
กาแฟลาเต้เย็น 2 แก้ว 130.00 บาท
ครัวซองต์เนยสด 1 ชิ้น 65.00 บาท
รวมทั้งสิ้น 195.00 บาท
ราคานี้รวมภาษีมูลค่าเพิ่มแล้ว ลูกค้าสามารถขอใบกำกับภาษีเต็มรูปได้ที่เคาน์เตอร์ภายในวันเดียวกัน
ร้านกาแฟสยามคอฟฟี่ขอขอบคุณที่ใช้บริการ สมาชิกสะสมแต้มได้ทุกครั้งที่ซื้อกาแฟครบหนึ่งร้อยบาท
ขอบคุณที่ใช้บริการ
"""

ARTICLE_TH = """\
กรุงเทพมหานครเตรียมขยายเส้นทางจักรยานริมคลอง
12 กุมภาพันธ์ 2568
กรุงเทพมหานครประกาศแผนขยายเส้นทางจักรยานริมคลองอีกสามสิบกิโลเมตรภายในปีนี้ เพื่อให้ประชาชนเดินทางได้สะดวกและลดการใช้รถยนต์ส่วนตัว
เส้นทางใหม่จะเชื่อมคลองแสนแสบกับสถานีรถไฟฟ้าหลายแห่ง และมีจุดจอดจักรยานพร้อมกล้องวงจรปิดทุกห้าร้อยเมตร
ผู้ว่าราชการกรุงเทพมหานครกล่าวว่า การเดินทางด้วยจักรยานช่วยลดฝุ่นละอองขนาดเล็กและทำให้เมืองน่าอยู่ขึ้น
กลุ่มผู้ใช้จักรยานเรียกร้องให้ติดตั้งไฟส่องสว่างตลอดเส้นทาง เพราะหลายช่วงมืดและไม่ปลอดภัยในเวลากลางคืน
สำนักการโยธาคาดว่าจะเปิดใช้เส้นทางช่วงแรกได้ในเดือนตุลาคม
"""

INVOICE_EN = """\
ACME CONSULTING LTD.
42 Riverside Road, Bangkok 10110

TAX INVOICE
Invoice No: INV-2025-0314
Invoice date: 14 March 2025
Due date: 13 April 2025
Bill to: Siam Retail Co., Ltd.

Description                     Hours    Amount
Web development services           40    120,000.00
Cloud hosting setup                 8     24,000.00
Subtotal                                 144,000.00
VAT 7%                                    10,080.00
Total due                                154,080.00

This invoice covers web development services and cloud hosting setup delivered in
February 2025. Payment is due within 30 days of the invoice date by bank transfer to
Kasikorn Bank account 123-4-56789-0.
Late payments incur a fee of 1.5% per month on the outstanding balance.
Thank you for your business!
Page 1 of 1
"""

RECEIPT_EN = """\
CHIANG MAI COFFEE ROASTERS
123 Nimmanhaemin Road, Chiang Mai 50200
Tel: 053-123-456
Receipt #: 000482
Date: 02/06/2025 10:42
Cashier: Noi
Flat white                2    120.00
Banana bread              1     85.00
Cold brew 500ml           1    150.00
Subtotal                        355.00
VAT 7% included
TOTAL                           355.00
Our single-origin beans are roasted every morning in our Nimmanhaemin roastery.
Loyalty members collect one stamp per drink and get a free drink after ten stamps.
Paid by card - Thank you!
Please come again
Page 1 of 1
"""

REPORT_EN = """\
Northern Region Sales - Confidential
Quarterly Sales Report - Q4 2024
Prepared on January 8, 2025

Branch        Q3 total     Q4 total    Change
Chiang Mai    1,204,500    1,398,200   +16.1%
Chiang Rai      804,300      812,900    +1.1%
Lampang         402,100      377,800    -6.0%
Total         2,410,900    2,588,900    +7.4%

Northern Region Sales - Confidential
Page 1 of 2

Sales in the northern region grew by 7.4 percent in the fourth quarter, led by the Chiang Mai
branch.
The Chiang Mai branch benefited from the new home delivery service launched in October.
Lampang declined because the store was closed for renovation for 21 days in November.
Management will extend the home delivery service to Chiang Rai in the first quarter of 2025.
Customers can still return items within 30 days of purchase at every branch.

Northern Region Sales - Confidential
Page 2 of 2
"""

MEETING_EN = """\
Quarterly planning meeting - product team
Date: 2025-04-07

The product team met on Tuesday to review the roadmap for the third quarter.
Maria presented the customer research, which showed that onboarding is the main reason new
users leave within the first week.
The team agreed to simplify the onboarding flow and to remove two optional steps from the
signup form.
Engineering raised concerns about the mobile release schedule, because the payment
integration is still unstable.
After some discussion, the mobile release was moved from July to August so that the payment
integration can be tested properly.
Marketing will prepare a campaign for the new onboarding experience and measure activation
rates weekly.
The next meeting is planned for the first Monday of next month.
"""

MEETING_TH = """\
บันทึกการประชุมฝ่ายการตลาด ครั้งที่ 3/2568
วันที่ 3 มี.ค. 67

ที่ประชุมได้พิจารณางบประมาณการตลาดสำหรับไตรมาสที่สอง ผู้จัดการฝ่ายการตลาดเสนอให้เพิ่มงบโฆษณาออนไลน์ร้อยละยี่สิบ เนื่องจากยอดขายผ่านช่องทางออนไลน์เติบโตอย่างต่อเนื่อง
ฝ่ายขายรายงานว่ายอดขายสินค้าใหม่ในเดือนกุมภาพันธ์สูงกว่าเป้าหมาย แต่ลูกค้าในต่างจังหวัดยังรู้จักแบรนด์น้อย ที่ประชุมจึงมีมติให้จัดกิจกรรมส่งเสริมการขายในเชียงใหม่และขอนแก่น
ฝ่ายบัญชีขอให้ทุกฝ่ายส่งรายงานค่าใช้จ่ายภายในวันศุกร์ที่ยี่สิบแปด เพื่อสรุปงบประมาณก่อนการประชุมคณะกรรมการ
การประชุมครั้งต่อไปจะจัดขึ้นในวันจันทร์แรกของเดือนเมษายน ณ ห้องประชุมใหญ่ ชั้นห้า
"""

ARTICLE_EN = """\
City adds night buses after the metro closes
By Somchai Rattanakul, 7 April 2025

The city will run eight new night bus routes from May, covering the hours after the metro
closes at midnight.
The routes connect the airport, the main hospitals and the old town, where many restaurant
and hotel staff finish work late.
Transport officials said the buses will use electric vehicles leased from a private operator
for five years.
Passenger groups welcomed the plan but asked for better lighting at stops on the outer
routes.
A trial of two routes last year carried more than forty thousand passengers a month.
Share this article | Follow us on Facebook | Subscribe to our newsletter
"""

#: (name, text, the date the content states) for the parametrised tests.
DOCUMENTS: list[tuple[str, str, date | None]] = [
    ("slip_th", SLIP_TH, date(2025, 6, 2)),
    ("lease_th", LEASE_TH, date(2025, 3, 1)),
    ("receipt_th", RECEIPT_TH, date(2025, 3, 14)),
    ("article_th", ARTICLE_TH, date(2025, 2, 12)),
    ("meeting_th", MEETING_TH, date(2024, 3, 3)),
    ("invoice_en", INVOICE_EN, date(2025, 3, 14)),
    ("receipt_en", RECEIPT_EN, date(2025, 6, 2)),
    ("report_en", REPORT_EN, date(2025, 1, 8)),
    ("meeting_en", MEETING_EN, date(2025, 4, 7)),
    ("article_en", ARTICLE_EN, date(2025, 4, 7)),
]
