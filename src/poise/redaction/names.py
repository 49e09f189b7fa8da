"""First names from many cultures, for spotting customers' names in praise before it goes public.

A list cannot be complete, so redaction also uses context (sign-offs, "my name is", titles,
greetings); the list catches names mentioned anywhere else, so the commonest names of the
English-speaking countries (John, Nancy, Scott…) must be in it, or a plain "John Smith" goes
public. ``AMBIGUOUS`` names are also ordinary words or places (May, Will, Grace, Austin…) and
only count away from the start of a sentence. Written in lower case ("thanks so much, maria"),
a name counts only where the words before it say it is one; one of ``AMBIGUOUS`` or
``LOWER_CASE_WORDS``, the listed names that are also ordinary lower-case words ("per", "max"),
only where it signs the text ("love grace") or follows "my name is" / "call me".
"""

from __future__ import annotations

_NAMES = """
aaliyah aaron abdul abdullah abebe abena abigail abimbola abu ada adaeze adam adebayo adeola
adriana adrian agnieszka ahmad ahmed aidan aiko aisha akira akosua akua alan albert alberto
aleksandra alejandro alessandro alessia alex alexa alexander alexandra alexei ali alice alicia
alina alisha alison aliyu amaka amanda amara amina amir amit ana anastasia anders andre andrea
andreas andrew andrzej angela angelica anh anika anil anita ann anna anne annika anthony antoine
antonio anya arash arjun arnav aroha arturo asha ashley astrid aya ayesha ayodele ayumi azadeh
babajide barbara bart beatriz ben benjamin bernard bilal birgit bjorn bogdan bongani brenda brian
bruno camila carla carlos carmen carol caroline carolina catherine cecilia celine chanel chantal
charles charlotte chen chiamaka chidi chinedu chioma chloe chris christian christina christine
christopher chukwuemeka claire clara claudia colin connor constance cristina cyrus dai daisuke
dalia damian daniel daniela danielle darius darnell david dawit deborah deepak deepika demetrius
dennis derek desmond diana diego dimitri dmitri dominic donna dorothy duc dylan ebony eduardo
efua ekaterina elena eleni elif elijah elisa elizabeth ella ellen eloise emeka emily emma emmanuel
enrique eric erik erika esther ethan eun eva evelyn fabian fahad faisal farah farhan fatima
fatma felipe felix fernanda fernando finn fiona florian folasade francesca francesco francisco
frank franz freya fumiko gabriel gabriela gareth gary george georgia gerald gianluca gintaras
giovanni giulia giuseppe gloria gonzalo gordon greta gustavo hamid hana hannah hans haruka haruto
hassan heather hector heidi helen helena henrik henry hiroshi hoang hugo huong hussein ian ibrahim
ifeoma igor ikechukwu ilse imani imran ines ingrid irina isaac isabel isabella isabelle ismail
ivan jabari jacob jacqueline jakub jamal james jamie jan jana jane janet jasmine jason javier
jay jean jennifer jens jeremy jessica ji jia jiho jin joanna joao jonas jonathan jorge jose
joseph joshua juan julia julian juliana julie julien jun justin kaito kamala kareem karen karim
karina karl kate katherine kateryna katrin kavya kayode keiko keisha kelechi kemal ken kenji
kevin khadija kim kimberly kiran klaus kofi kojo kwame kwabena kyle lakshmi lamar lars laura
lauren layla leah leila lena leon leonardo liam lina linda lindiwe ling lisa lorenzo louise
luca lucas lucia luis luisa lukas mai maite malik manuel marco marcus margaret maria mariam
marie marina mario marisol marta martin mary mateo matteo matthew maurice max maxime maya
mehmet mei melissa mercy mia michael michelle miguel mihai mikhail milan min minh mira miriam
mohamed mohammed monica mthunzi mustafa naledi nadia nam nanami naoko naomi natalia natasha
nathan ngozi nguyen nia nicolas nicole niels nikhil nikita nikolai nina nisha noah noor nora
nuno obinna oksana olamide olga oliver olivia olumide omar oscar oskar owen pablo paolo patricia
patrick paul paula pedro per peter phuong pierre piotr pooja prakash priya quentin rachel rafael
rahul raj rajesh ramon rana rania raphael rashid ravi rebecca reza ricardo richard rita robert
roberto rohan roman rosa rui ryan ryo sade sakura salma samantha samir samuel sandra sanjay sara
sarah sasha satoshi sean sebastian selin sergei sergio seun shanice shira shreya simon siobhan
sipho sofia sophie soren stefan stefanie stephanie stephen steven sunita susan svetlana tamar
tanvir tariq tatiana temitope teresa thabo thandiwe thomas tiago tim timothy tobias tomas
tomasz tunde ugo uche ulrike valentina vanessa vasily vera veronica victor viktor vikram
vincent wanjiru wei wendy wilhelmina william xavier xin yaw yasmin yasmine yelena yemi yetunde
yohannes yoko yosef youssef yuki yuna yusuf yvonne zainab zanele zara zeynep zhang zoe zoltan
dave mike steve tom jim joe bob sam sue liz kate jen jenny beth becky meg nick rob tony andy
chris matt dan danny josh jake luke tess ellie millie molly rosie alfie archie harry oliver
freddie charlie george teddy oscar leo arthur noah ollie sven lars ingrid bjorn nils erik
olu ade emre burak ayse hiba layan omari jelena marek kasia ola zuzana petra ivana lucie
abdi hodan farhiya ayaan hamza zaid tendai rudo chipo faith kamau njeri otieno akinyi wanjiku
alexis alistair amy aoife betty beverly billy bobby bradley brandon brittany bruce bryan callum
carl carolyn cheryl craig cynthia debra declan denise diane donald doris douglas edward eugene
frances gemma graham gregory harold howard janice jeffrey jerry jesse joan john johnny joyce
judith judy kathleen kathryn katie kayla keith kelly kenneth kieran kirsty larry lawrence logan
lori louis lucy marilyn martha megan nancy natalie neil niamh nicholas pamela philip ralph randy
raymond rhys roger ronald roy russell ruth scott shane sharon shirley sophia stuart terry theresa
tiffany todd tracy tyler walter wayne willie zachary
"""

_AMBIGUOUS = """
may will grace hope joy faith bill mark rose summer sunny amber ruby jack jade dawn pat art
iris ivy lily violet angel crystal drew frank gene glen guy hunter jean ray rich sky sterling
victory chance page parker wade penny sandy misty holly
austin jordan madison mason victoria virginia
"""

FIRST_NAMES: frozenset[str] = frozenset(_NAMES.split()) | frozenset(_AMBIGUOUS.split())
AMBIGUOUS: frozenset[str] = frozenset(_AMBIGUOUS.split())
# Listed names that, written in lower case, are mostly ordinary words or abbreviations: "per
# your email", "max speed", "jan 5", "rob", "sue", "min" (minutes), "ken", "bob" (the verb).
_LOWER_CASE_WORDS = """
per min max jan mai nam rob sue ken ola ade ji abu bob ugo olu ling sade rui aya yaw jun mercy
"""
LOWER_CASE_WORDS: frozenset[str] = frozenset(_LOWER_CASE_WORDS.split())

# Capitalised words that stand where a person would ("Apple told me", "Prime Video said",
# "Someone told me", "I spoke to Support"): who speaks for a company, a product or nobody in
# particular. Only the context rules for names no list holds read it; a listed name goes anyway.
_NOT_PERSONS = """
someone somebody everyone everybody anyone anybody nobody noone none nothing everything
something anything they them he she we you it i who which whoever people staff management
billing sales tech technical security fraud accounts payments returns shipping delivery
courier driver postman postie manager supervisor operator advisor adviser engineer technician
mum mom mam mother dad father grandma grandpa nan husband wife doctor police bank landlord
app website site page system screen email letter text message error notice bot robot chatbot
siri alexa cortana assistant the a an this that these those my your our their his her its
then and but so or for to of in on at with from by nothing also yesterday today tonight
tomorrow later earlier finally apparently eventually again still now first next last
apple amazon google microsoft samsung sony nintendo xbox playstation netflix spotify hulu
disney youtube facebook instagram twitter meta whatsapp tiktok uber lyft airbnb ebay paypal
venmo visa mastercard amex comcast xfinity verizon sprint vodafone tesco asda sainsburys
walmart target costco ikea dell hp lenovo nike adidas delta united southwest jetblue virgin
ryanair easyjet lufthansa emirates qantas fedex ups usps dhl hermes evri royal mail
chrome firefox safari windows android iphone ipad mac macbook outlook gmail office teams
zoom slack alexa kindle echo fire roku buy
prime video music plus pro premium express standard basic gold silver platinum live one home
store pay cloud care desk team service support help customer club family business card
was were is are am be been being has have had do does did as ill just never ever always often
sometimes originally initially previously already not need needs rest employee employees agents
reps crew online offline central airlines airways air
corp inc ltd llc co company group media messenger network wireless mobile broadband energy
hotel airport airline store shop branch office restaurant pharmacy hospital clinic school
council government insurance insurer agency carrier seller vendor retailer merchant dealer
warehouse depot station gate crew pilot captain attendant receptionist cashier clerk reception
portal priority boarding economy class
sky bt ee o2 three boots argos currys santander barclays lloyds natwest hsbc halifax monzo
chase citi steam origin epic ubisoft activision blizzard ea valve reddit linkedin snapchat
pinterest twitch discord klarna stripe shopify etsy asos zara primark walgreens cvs kroger
"""
NOT_PERSONS: frozenset[str] = frozenset(_NOT_PERSONS.split())

# Places a text may be signed from ("Love from London", "Greetings from New York"): countries,
# regions, and the larger cities and counties customers write from. Only read after a
# sign-off's "from", where a person or a company stands too; a listed first name is no place
# here ("Austin", "Victoria", "Jordan" go), and neither are places that are names as often
# (Sydney, Paris, Dallas, Brooklyn, India, Devon, Kent, Vienna…): they stay out, and go.
_PLACES = """
africa america europe oceania antarctica arctic scandinavia balkans caribbean
afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh
belarus belgium bolivia bosnia brazil bulgaria cambodia cameroon canada chile china colombia
croatia cyprus czechia denmark ecuador egypt england estonia ethiopia finland france
germany ghana greece guatemala hungary iceland indonesia iran iraq ireland italy
jamaica japan kazakhstan korea kosovo kuwait latvia lebanon libya lithuania luxembourg
malaysia malta mexico moldova monaco mongolia montenegro morocco mozambique nepal netherlands
holland nigeria norway oman pakistan panama paraguay peru philippines poland portugal qatar
romania russia rwanda scotland senegal serbia singapore slovakia slovenia somalia spain
sweden switzerland syria taiwan tanzania thailand tunisia turkey uganda ukraine uruguay
uzbekistan venezuela vietnam wales yemen zambia zimbabwe britain usa uk uae
alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho
illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan
minnesota mississippi missouri nebraska nevada ohio oklahoma oregon pennsylvania
tennessee texas utah vermont washington wisconsin wyoming carolina jersey hampshire
ontario quebec alberta manitoba saskatchewan queensland tasmania bavaria catalonia andalusia
cornwall surrey essex yorkshire lancashire norfolk suffolk sussex somerset
london manchester birmingham leeds liverpool glasgow edinburgh bristol cardiff belfast
sheffield newcastle nottingham leicester brighton oxford cambridge aberdeen dundee swansea
coventry southampton portsmouth plymouth norwich york bath exeter dublin cork galway
lyon marseille toulouse nice bordeaux lille nantes strasbourg berlin munich hamburg
cologne frankfurt stuttgart dusseldorf leipzig dresden zurich geneva basel bern
amsterdam rotterdam utrecht brussels antwerp ghent copenhagen stockholm gothenburg oslo
bergen helsinki reykjavik madrid barcelona valencia seville bilbao malaga lisbon porto rome
milan naples turin venice bologna genoa palermo athens istanbul ankara warsaw krakow gdansk
wroclaw prague brno budapest bucharest sofia belgrade zagreb ljubljana bratislava kyiv kiev
moscow riga vilnius tallinn minsk tbilisi yerevan baku
tokyo osaka kyoto seoul busan beijing shanghai shenzhen guangzhou hong kong taipei manila
jakarta bangkok hanoi saigon kuala lumpur mumbai delhi bangalore bengaluru chennai kolkata
hyderabad pune karachi lahore islamabad dhaka kathmandu colombo dubai doha riyadh jeddah
tehran baghdad beirut amman jerusalem cairo lagos abuja accra nairobi mombasa kampala
johannesburg durban pretoria casablanca tunis algiers addis ababa dakar kinshasa luanda
harare lusaka
melbourne brisbane perth auckland wellington christchurch
toronto montreal vancouver calgary ottawa edmonton winnipeg halifax
boston chicago seattle houston miami atlanta detroit baltimore philadelphia
pittsburgh cleveland cincinnati columbus indianapolis milwaukee minneapolis nashville memphis
louisville portland sacramento oakland honolulu anchorage tucson albuquerque omaha tulsa
boise spokane richmond tampa manhattan queens bronx
mexico tijuana guadalajara monterrey havana bogota medellin lima quito caracas
buenos aires montevideo asuncion
"""
PLACES: frozenset[str] = frozenset(_PLACES.split()) - FIRST_NAMES

# Where a postcode stands beside a place's name ("75011 Paris", "10115 Berlin"), the name is
# a place's whoever else it may be: ``PLACES`` and the cities it leaves out as names too,
# and countries and cities as their own people write them ("Deutschland", "München").
_POSTCODE_PLACES = """
paris sydney dallas vienna wien munchen koln nurnberg bruxelles brussel geneve zurich
florence firenze roma milano napoli torino lisboa sevilla warszawa praha kobenhavn goteborg
haag denver phoenix austin houston orlando atlanta detroit
deutschland nederland espana italia osterreich schweiz suisse belgique belgie sverige norge
danmark polska eire
"""
POSTCODE_PLACES: frozenset[str] = frozenset(_PLACES.split()) | frozenset(_POSTCODE_PLACES.split())
