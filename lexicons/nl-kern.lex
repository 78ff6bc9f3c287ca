# nl-kern: Dutch core lexicon of websense.
#
# Research lexicon for monitoring polarised public discourse, written for the websense
# project. A hit is a signal for an analyst, never a verdict on a post or its author.
#
# Line format:  term | weight | kind | exclusion; exclusion
#   term*   prefix (word start)     *term   suffix (word end)
#   *term*  infix (inside a word)   term    word; several words make a phrase
# Weights: 1 ambiguous, 2 clear, 3 explicit. Matching ignores case, accents and
# punctuation between words. Terms used in Dutch and English alike (wef, deep state,
# qanon, ...) are in gedeeld.lex. Check changes with `websense lexicon check lexicons`.

name: nl-kern
languages: nl

[anti_overheid]
# Politicians and institutions as traitors
volksverrader*            | 3        # volksverraders, volksverraderij
landverrader*             | 3
volksverraad              | 3
verkopen ons land         | 2
ons land verkocht         | 2
illegitiem*               | 1.5      # illegitieme regering
landverraad               | 2
hoogverraad               | 2
verraders van het volk    | 3
collaborateur*            | 1.5      # WWII framing of politicians; also neutral history
# 'Het kartel' of established parties (FvD usage); economic cartels excluded
*kartel*                  | 2 | | drugskartel; drugskartels; cocainekartel; cocainekartels; kartelvorming; kartelboete; kartelboetes; kartelafspraken
zakkenvuller*             | 2
graaier*                  | 1.5
marionet*                 | 1.5 | | marionettentheater; marionettenspel
stropop*                  | 1
poppenkast                | 1
# The state as dictatorship or tyranny
*dictatuur                | 1.5 | | militaire dictatuur   # coronadictatuur, klimaatdictatuur
tirannie                  | 1.5
totalitair*               | 1
politiestaat              | 2
fascistische staat        | 2
schijndemocratie          | 2
nepdemocratie             | 2
ondemocratisch            | 1
maffiastaat               | 2
leugenregering            | 2
leugenkabinet             | 2
kutregering               | 2
kutoverheid               | 2
overheid liegt            | 2
overheid is de vijand     | 3
staat is de vijand        | 3
klassejustitie            | 1.5
geen rechtsstaat meer     | 1.5
# Measures framed as oppression
vaccinatiedwang           | 2
prikdwang                 | 2
vaccinapartheid           | 2
coronaapartheid           | 2
apartheidspas             | 2
coronapas                 | 1
qr samenleving            | 1.5
# Rejecting the legitimacy of elections and the state
verkiezingsfraude         | 1.5
gestolen verkiezingen     | 2
soevereine burger*        | 2        # sovereign-citizen movement
soeverein individu        | 2
rijk der nederlanden      | 2
# Calls for tribunals and to topple the government
tribunaal                 | 1.5 | | internationaal tribunaal; internationale tribunaal
neurenberg 2.0            | 3
nurnberg 2.0              | 3
moeten berecht worden     | 1.5
volksopstand              | 1.5
weg met de regering       | 1.5
het kabinet moet weg      | 1
politieke elite           | 1.5

[complot]
# The 'great replacement'
omvolking*                | 3        # omvolkingsagenda
grote vervanging          | 3
bevolkingsvervanging      | 3
witte genocide            | 3
stille genocide           | 2
# Pandemic and vaccines
plandemie*                | 3
scamdemie                 | 3
neppandemie               | 3
nep pandemie              | 3
corona bestaat niet       | 2
virus bestaat niet        | 2
gifprik*                  | 3
gifspuit*                 | 3
doodsprik*                | 3
turbokanker               | 3
experimentele vaccin*     | 1.5
vaccin is gif             | 2.5
vaccins zijn gif          | 2.5
digitale euro             | 1
plotseling overleden      | 1
vaccinschade              | 1
grafeenoxide              | 2
ivermectine               | 1
# Depopulation and control
depopulatie*              | 3
bevolkingsreductie        | 2
nieuwe wereldorde         | 3
schaduwregering           | 2
schaduwmacht*             | 2
diepe staat               | 2
verborgen agenda          | 1
geheim genootschap        | 1
geheime genootschappen    | 1
vrijmetselaars            | 1
gecontroleerde oppositie  | 2
valse vlag                | 1.5 | | onder valse vlag
grote reset               | 2
cultuurmarxis*            | 2
cultureel marxisme        | 2
crisisacteur*             | 3
allemaal gepland          | 1.5
ze willen ons uitroeien   | 2
digitale gevangenis       | 2
sociaal kredietsysteem    | 1.5
15 minutenstad            | 1.5
15 minutensteden          | 1.5
klimaatlockdown           | 2
# Climate, nitrogen, weather
klimaatleugen*            | 2
klimaatzwendel            | 2
stikstofleugen*           | 2
weermanipulatie           | 2
5g straling               | 1.5
5g mast*                  | 1.5
platte aarde              | 1.5
# Hidden powers, often antisemitic
khazaarse maffia          | 3
satanische elite          | 3
pedonetwerk*              | 2
reptiloide*               | 3
# Calls to 'wake up' and 'do your own research'
word wakker               | 1 | | ik word wakker
slapende massa            | 2
doe je eigen onderzoek    | 1.5
doe zelf onderzoek        | 1.5
farmamaffia               | 2
farmaceutische maffia     | 2

[ontmenselijking]
# Vermin, parasites, animals
ongedierte                | 2 | | ongedierte bestrijden; last van ongedierte
kakkerlak*                | 2
parasiet*                 | 1.5
ratten                    | 1
het zijn ratten           | 3
het zijn beesten          | 3
het zijn dieren           | 3
het zijn apen             | 3
halve apen                | 3
vuile honden              | 2.5
vuile varkens             | 2.5
zwijnen                   | 1
# Waste and scum
uitschot                  | 2.5
tuig                      | 1.5
gespuis                   | 2
schorem                   | 2
uitvaagsel                | 2
gajes                     | 2
crapuul                   | 2
menselijk afval           | 3
# Denying humanity
ondermens                 | 3
ondermensen               | 3
onmensen                  | 2
zijn geen mensen          | 3
barbaar                   | 2
barbaren                  | 2
minderwaardig*            | 2
inferieur*                | 1.5
stemvee                   | 2
# Slurs for groups: documented in Dutch hate speech research, weighted as explicit
geitenneuker*             | 3
kutmarokka*               | 3        # kutmarokkaan, kutmarokkanen
kutturk*                  | 3
zandneger*                | 3
linkse ratten             | 3
linkse tyfuslijers        | 3

[dreiging]
# 'We know where you live'
weet waar je woont        | 3
weten waar je woont       | 3
weten waar jullie wonen   | 3
weet waar u woont         | 3
komen je halen            | 2.5
komen jullie halen        | 2.5
je gaat eraan             | 3
jij gaat eraan            | 3
jullie gaan eraan         | 3
dagen zijn geteld         | 1.5      # also figurative: 'zijn dagen als minister zijn geteld'
je dagen zijn geteld      | 3
jullie dagen zijn geteld  | 3
zullen boeten             | 2
# Killing
maak je dood              | 3
maken je dood             | 3
vermoord je               | 3
vermoorden je             | 3
vermoord ze               | 3
allemaal afmaken          | 3
afslachten                | 3
slachten                  | 1.5 | | onverdoofd slachten; ritueel slachten
hoop dat je doodgaat      | 3
hoop dat je sterft        | 3
steek je neer             | 3
kop eraf                  | 2.5
kop afhakken              | 3
onthoofden                | 2.5
# Shooting
kogel                     | 1
kogel door je kop         | 3
kogel door de kop         | 3
kogel door zijn kop       | 3
kogel door haar kop       | 3
verdient een kogel        | 3
verdienen een kogel       | 3
neerschieten              | 2
doodschieten              | 3
afschieten                | 1.5 | | wolven afschieten; wolf afschieten; ganzen afschieten; herten afschieten; vuurwerk afschieten
nekschot                  | 3
kopschot                  | 2.5
# Hanging and execution
ophangen                  | 1.5 | | de was ophangen; was ophangen; telefoon ophangen; de telefoon ophangen; schilderij ophangen; lampjes ophangen; slingers ophangen
opknopen                  | 2.5
moeten opgehangen worden  | 3
moeten hangen             | 2.5
moet hangen               | 2.5
hooivork*                 | 1.5      # symbol of (farmer) uprising
aan de hoogste boom       | 3
aan een lantaarnpaal      | 3
aan de lantaarnpaal       | 3
galg                      | 2
tegen de muur zetten      | 3
tegen de muur gezet       | 2 | | fiets tegen de muur gezet
executeren                | 2.5 | | vonnis executeren
# Arson, explosives, gas
in de fik                 | 1.5
fik erin                  | 2.5
brandbom*                 | 2
opblazen                  | 1.5 | | ballon opblazen; ballonnen opblazen; ballonnetjes opblazen
vergassen                 | 3
gaskamer*                 | 2
joden aan het gas         | 3
lynchen                   | 3
gelyncht                  | 2
lynchpartij               | 2.5
# Uprising and retribution
gewapende opstand         | 3
gewapend verzet           | 2.5
grijp naar de wapens      | 3
naar de wapens grijpen    | 3
burgeroorlog              | 1.5
dag der vergelding        | 2.5
dag van de afrekening     | 2.5
bloed zal vloeien         | 3
bloed gaat vloeien        | 3
koppen gaan rollen        | 1.5
koppen moeten rollen      | 1
bestormen                 | 1.5
met de grond gelijk       | 2
in elkaar slaan           | 2
in elkaar trappen         | 2
moet verkracht worden     | 3
moeten verkracht worden   | 3
uitroeien                 | 1.5 | | armoede uitroeien
uitgeroeid worden         | 2.5
krijg de kanker           | 1
krijg kanker              | 1
doodsbedreiging*          | 1        # reports of threats: context for an analyst

[wij_zij]
# Us against them
zij tegen ons             | 2
wij tegen zij             | 2
wij tegen hen             | 2
ons tegen hen             | 2
ons soort mensen          | 1.5
dat soort mensen          | 1
hun soort                 | 1.5
dat volk                  | 1.5
ons volk                  | 1.5
het volk                  | 1
ons land terug            | 2
echte nederlander*        | 2
nepnederlander*           | 2.5
papieren nederlander*     | 2.5
hardwerkende nederlander* | 1
gewone man                | 1
vijand van het volk       | 2.5
vijanden van het volk     | 2.5
volksvijand*              | 2.5
# Elites
linkse elite              | 2
linkse kerk               | 1.5
grachtengordel*           | 1
gevestigde orde           | 1
# Names for the other side
wappie*                   | 1.5      # used against people seen as conspiracy believers
covidioot                 | 2
covidioten                | 2
deugmens*                 | 2
linkse gekken             | 2
linkse hobby*             | 1.5
rechts tuig               | 2
links tuig                | 2
tokkie*                   | 1.5
kaaskop*                  | 1.5
makke schapen             | 1.5
slapende schapen          | 2
wakkere burgers           | 1.5
wakkere mensen            | 1.5
nsb*                      | 1.5      # NSB'ers: collaborators, as a slur
fout in de oorlog         | 1.5
# Climate, farmers, 'woke'
klimaatterrorist*         | 2
boerenterrorist*          | 2
trekkerterrorist*         | 2
klimaatsekte              | 2
klimaatkerk               | 2
klimaatreligie            | 1.5
klimaatgekkies            | 2
klimaatgekken             | 2
klimaatalarmist*          | 1.5
wokies                    | 2
wokisme                   | 1.5
gendergekte               | 2
regenboogmaffia           | 2.5

[uitsluiting]
gelukszoeker*             | 2
omvolking*                | 2        # also [complot]: evidence for both
remigratie                | 2
remigreren                | 2
asielinvasie              | 3
*invasie                  | 1.5 | | russische invasie; invasie van oekraine; invasie in oekraine; oekraine invasie; invasie van irak
asieltsunami              | 2.5
asieltuig                 | 3
testosteronbom*           | 2
nepvluchteling*           | 2
economische vluchteling*  | 1
cultuurverrijker*         | 2.5
massa immigratie          | 2
massaimmigratie           | 2
# Slogans against asylum seekers' centres (AZC protests)
geen azc                  | 2
azc nee                   | 2
stop azc*                 | 2
stop het azc              | 2
grenzen dicht             | 1.5
vol is vol                | 2
eigen volk eerst          | 3
eigen mensen eerst        | 2.5
eerst onze eigen mensen   | 2
nederland voor de nederlanders | 2.5
statushouders voorrang    | 1.5
voorrang voor statushouders | 1.5
# 'Go back'
stuur ze terug            | 2
terug naar je eigen land  | 2.5
terug naar eigen land     | 2
terug naar je land        | 2
terug naar hun eigen land | 2.5
terug naar hun land       | 2
buitenlanders eruit       | 3
minder marokkanen         | 2.5
minder minder             | 2
deporteren                | 1.5
deportatie*               | 1      # also WWII history and commemoration
# Islam as threat
islamisering*             | 1.5
islamofascis*             | 2.5
kopvod*                   | 3        # kopvoddentaks
woestijnreligie           | 2.5
pedoprofeet               | 3
achterlijke cultuur       | 2
achterlijke religie       | 2
islam verbieden           | 2
koran verbieden           | 2
moskeeen sluiten          | 2
kalifaat                  | 1

[mediawantrouwen]
leugenpers                | 3
leugenmedia               | 3
nepnieuws                 | 1
staatsomroep              | 2
staatsmedia               | 2
staatspropaganda          | 2
propagandazender*         | 2
gekochte media            | 2
gekochte pers             | 2
gekochte journalist*      | 2
nepjournalist*            | 2
journaille                | 1.5
persmuskieten             | 1
lakeien                   | 1.5
schoothondjes             | 1.5
spreekbuis van de overheid | 2
spreekbuis van het kabinet | 2
nos liegt                 | 2
media liegen              | 2
media liegt               | 2
rivm liegt                | 2
waarheid wordt verzwegen  | 2
wat ze je niet vertellen  | 2
wat de media verzwijgen   | 2
zogenaamde factcheck*     | 2
zogenaamde experts        | 1.5
zogenaamde deskundigen    | 1.5
zogenaamde wetenschap*    | 1.5
nepwetenschap             | 2
hersenspoeling            | 1.5
indoctrinatie             | 1.5
censuur                   | 1
gecensureerd              | 1
ongecensureerd            | 1
alternatieve media        | 1
